package dev.nve.control.ops;

/**
 * Opening interfaces while nve runs ({@code port.add}), for a dataplane that can: {@code nve run}
 * can, a replay cannot (its ports are its capture files).
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
}
