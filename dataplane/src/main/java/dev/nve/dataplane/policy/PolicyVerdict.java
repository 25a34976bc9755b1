package dev.nve.dataplane.policy;

/**
 * A policy lookup's answer packed in an int, so the packet path returns it without allocating:
 * <pre>
 *  bits 31-24: kind   bits 23-0: rule id (index into CompiledPolicy.ruleNames(), or NO_RULE)
 * </pre>
 */
public final class PolicyVerdict
{
    /** No policy applies to this endpoint in this direction: forward. */
    public static final int NOT_ENFORCED = 0;
    /** A rule allowed the flow. */
    public static final int ALLOWED = 1;
    /** A deny rule matched (Cilium drop reason 181, POLICY_DENY). */
    public static final int DENIED_BY_RULE = 2;
    /** Enforced and no rule allowed the flow (Cilium drop reason 133, POLICY_DENIED). */
    public static final int DENIED_BY_DEFAULT = 3;

    public static final int DROP_REASON_POLICY_DENY = 181;
    public static final int DROP_REASON_POLICY_DENIED = 133;
    public static final int NO_RULE = 0xFF_FFFF;
    /** Most rules a policy may have: rule ids must stay below {@link #NO_RULE}. */
    public static final int MAX_RULES = NO_RULE;

    private static final int KIND_SHIFT = 24;

    private PolicyVerdict()
    {
    }

    public static int of(final int kind, final int ruleId)
    {
        return kind << KIND_SHIFT | (ruleId & NO_RULE);
    }

    public static int kind(final int verdict)
    {
        return verdict >>> KIND_SHIFT;
    }

    /** The deciding rule's id, or {@link #NO_RULE} for NOT_ENFORCED and DENIED_BY_DEFAULT. */
    public static int ruleId(final int verdict)
    {
        return verdict & NO_RULE;
    }

    public static boolean isAllowed(final int verdict)
    {
        return kind(verdict) <= ALLOWED;
    }

    /** Cilium's drop reason for a denied verdict, 0 for an allowed one. */
    public static int dropReason(final int verdict)
    {
        return switch (kind(verdict))
        {
            case DENIED_BY_RULE -> DROP_REASON_POLICY_DENY;
            case DENIED_BY_DEFAULT -> DROP_REASON_POLICY_DENIED;
            default -> 0;
        };
    }

    public static String toString(final int verdict)
    {
        final String kind = switch (kind(verdict))
        {
            case NOT_ENFORCED -> "NOT_ENFORCED";
            case ALLOWED -> "ALLOWED";
            case DENIED_BY_RULE -> "DENIED_BY_RULE";
            case DENIED_BY_DEFAULT -> "DENIED_BY_DEFAULT";
            default -> "KIND_" + kind(verdict);
        };
        return ruleId(verdict) == NO_RULE ? kind : kind + "(rule " + ruleId(verdict) + ")";
    }
}
