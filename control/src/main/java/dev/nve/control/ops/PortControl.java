package dev.nve.control.ops;

/**
 * What the control socket's operations need from a live dataplane beyond the tables: opening
 * interfaces ({@code port.add}) and steering new ILA locators. {@code nve run} has it; a replay
 * does not (its ports are its capture files).
 */
public interface PortControl
{
    /** True when the interface is already one of the dataplane's ports. */
    boolean serves(String name);

    /**
     * Opens the interface as port {@code id} (its id in the port table) and starts steering its
     * frames to nve; returns a line describing the port.
     *
     * @throws RuntimeException saying why it could not be opened; nothing is left open
     */
    String open(String name, int id);

    /** Steers IPv6 to exactly these local ILA locators from now on (the domain changed). */
    void steerIlaLocators(long[] locators);
}
