package dev.nve.dataplane.policy;

/** Cilium entities nve supports: {@code world} (identity 2), {@code host} (1), {@code all} (any identity, world included). */
public enum Entity
{
    WORLD, HOST, ALL
}
