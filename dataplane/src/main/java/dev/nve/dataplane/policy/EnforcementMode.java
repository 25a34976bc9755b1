package dev.nve.dataplane.policy;

import java.util.Locale;

/**
 * Cilium's policy enforcement modes. DEFAULT: an endpoint is default-deny in a direction once
 * a rule selecting it has a non-empty section for that direction (allow or deny). ALWAYS:
 * every endpoint is default-deny both ways. NEVER: nothing is enforced.
 */
public enum EnforcementMode
{
    DEFAULT, ALWAYS, NEVER;

    /** "default", "always" or "never", any case. */
    public static EnforcementMode parse(final String text)
    {
        if (text != null)
        {
            switch (text.trim().toLowerCase(Locale.ROOT))
            {
                case "default":
                    return DEFAULT;
                case "always":
                    return ALWAYS;
                case "never":
                    return NEVER;
                default:
                    break;
            }
        }
        throw new IllegalArgumentException("enforcement mode \"" + text + "\": expected default, always or never");
    }
}
