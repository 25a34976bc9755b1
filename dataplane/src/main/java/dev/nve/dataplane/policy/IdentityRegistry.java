package dev.nve.dataplane.policy;

import java.util.Collections;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Which label set each identity stands for (control path, heap; written by one thread, the
 * control thread, and read by others: flow-event rendering). One identity has
 * one label set and one label set has one identity; anything else is refused before it is
 * stored. The reserved identities are present from the start with Cilium's labels
 * ({@code reserved:host}, {@code reserved:world}, ...); identity 0 (unknown) has no labels.
 */
public final class IdentityRegistry
{
    private final NavigableMap<Integer, Map<String, String>> labelsById = new ConcurrentSkipListMap<>();
    private final Map<Map<String, String>, Integer> idByLabels = new ConcurrentHashMap<>();

    public IdentityRegistry()
    {
        reserve(Identities.HOST, "host");
        reserve(Identities.WORLD, "world");
        reserve(Identities.UNMANAGED, "unmanaged");
        reserve(Identities.HEALTH, "health");
        reserve(Identities.INIT, "init");
        reserve(Identities.REMOTE_NODE, "remote-node");
        reserve(Identities.KUBE_APISERVER, "kube-apiserver");
        reserve(Identities.INGRESS, "ingress");
    }

    private void reserve(final int identity, final String name)
    {
        final Map<String, String> labels = Map.of(Identities.RESERVED_SOURCE + ":" + name, "");
        labelsById.put(identity, labels);
        idByLabels.put(labels, identity);
    }

    /**
     * The derived identity of {@code labels} ({@link Identities#derive}), or the one they
     * already have. Refuses a derived identity that another label set holds: assign one of
     * the two explicitly with {@link #register(Map, int)}.
     */
    public int register(final Map<String, String> labels)
    {
        final Map<String, String> copy = checkedCopy(labels);
        final Integer existing = idByLabels.get(copy);
        if (existing != null)
        {
            return existing;
        }
        final int derived = Identities.derive(copy);
        final Map<String, String> holder = labelsById.get(derived);
        if (holder != null)
        {
            throw new IllegalArgumentException("identity " + derived + " derived from labels " + text(copy)
                + " is already held by labels " + text(holder) + ": assign one of them an explicit identity");
        }
        store(derived, copy);
        return derived;
    }

    /** Registers {@code labels} under an identity in [256, {@link Identities#MAX}]. */
    public int register(final Map<String, String> labels, final int explicitIdentity)
    {
        final Map<String, String> copy = checkedCopy(labels);
        if (explicitIdentity < Identities.FIRST_USER || explicitIdentity > Identities.MAX)
        {
            throw new IllegalArgumentException("identity " + explicitIdentity + " for labels " + text(copy)
                + ": out of range [" + Identities.FIRST_USER + ", " + Identities.MAX + "]");
        }
        final Integer existing = idByLabels.get(copy);
        if (existing != null && existing != explicitIdentity)
        {
            throw new IllegalArgumentException("labels " + text(copy) + " already have identity " + existing
                + ", cannot also have " + explicitIdentity);
        }
        final Map<String, String> holder = labelsById.get(explicitIdentity);
        if (holder != null && !holder.equals(copy))
        {
            throw new IllegalArgumentException("identity " + explicitIdentity + " for labels " + text(copy)
                + " is already held by labels " + text(holder));
        }
        store(explicitIdentity, copy);
        return explicitIdentity;
    }

    /** The labels of {@code identity}, or null when it is not registered. */
    public Map<String, String> labels(final int identity)
    {
        return labelsById.get(identity);
    }

    /** The identity of exactly this label set, or -1. */
    public int identityOf(final Map<String, String> labels)
    {
        final Integer id = idByLabels.get(labels);
        return id == null ? -1 : id;
    }

    /** Every registered identity with its labels, ascending, reserved ones first. */
    public NavigableMap<Integer, Map<String, String>> all()
    {
        return Collections.unmodifiableNavigableMap(labelsById);
    }

    private void store(final int identity, final Map<String, String> labels)
    {
        labelsById.put(identity, labels);
        idByLabels.put(labels, identity);
    }

    private static Map<String, String> checkedCopy(final Map<String, String> labels)
    {
        Identities.validateLabels(labels);
        for (final String key : labels.keySet())
        {
            if (LabelSelector.sourceOf(key).equals(Identities.RESERVED_SOURCE))
            {
                throw new IllegalArgumentException("label " + key + ": the reserved: source belongs to reserved identities");
            }
        }
        return Collections.unmodifiableMap(new TreeMap<>(labels));
    }

    static String text(final Map<String, String> labels)
    {
        return new TreeMap<>(labels).toString();
    }
}
