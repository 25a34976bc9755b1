package dev.nve.dataplane.policy;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

final class VerdictGrantsTest
{
    private static final long NO_RULE = PolicyVerdict.NO_RULE;

    @Test
    void equalGrantsShareAnIdGivenOutInOrder()
    {
        final VerdictGrants grants = new VerdictGrants(16);
        assertEquals(0, grants.find(7, NO_RULE << 32 | 3));
        assertEquals(1, grants.find(7, NO_RULE << 32 | 4), "same key, another rule");
        assertEquals(2, grants.find(8, NO_RULE << 32 | 3), "another key, same rule");
        assertEquals(0, grants.find(7, NO_RULE << 32 | 3));
        assertEquals(1, grants.find(7, NO_RULE << 32 | 4));
        assertEquals(3, grants.size());
        assertTrue(grants.matches(2, 8));
        assertFalse(grants.matches(2, 7), "another key");
        assertFalse(grants.matches(3, 8), "beyond the grants given out");
        assertFalse(grants.matches(-1, 8), "NONE");
        assertFalse(grants.matches(Integer.MAX_VALUE, 8));
    }

    @Test
    void countsAreHandedToTheRulesOfEachGrantOnceAndReset()
    {
        final VerdictGrants grants = new VerdictGrants(16);
        final int oneRule = grants.find(1, NO_RULE << 32 | 5);
        final int twoRules = grants.find(2, 9L << 32 | 6);
        final int noRule = grants.find(3, NO_RULE << 32 | NO_RULE);
        grants.count(oneRule, 100);
        grants.count(twoRules, 60);
        grants.count(oneRule, 50);
        grants.count(noRule, 70);
        final int[] rules = new int[8];
        final long[] packets = new long[8];
        final long[] bytes = new long[8];
        rules[0] = 42;
        assertEquals(4, grants.drainCounts(rules, packets, bytes, 1), "after the entry already there, NO_RULE left out");
        assertArrayEquals(new int[] {42, 5, 9, 6, 0, 0, 0, 0}, rules);
        assertArrayEquals(new long[] {0, 2, 1, 1, 0, 0, 0, 0}, packets);
        assertArrayEquals(new long[] {0, 150, 60, 60, 0, 0, 0, 0}, bytes);
        assertEquals(0, grants.drainCounts(rules, packets, bytes, 0), "nothing counted since");
        grants.count(twoRules, 10);
        assertEquals(2, grants.drainCounts(rules, packets, bytes, 0));
        assertArrayEquals(new long[] {1, 1}, new long[] {packets[0], packets[1]}, "counted from zero again");
        assertArrayEquals(new long[] {10, 10}, new long[] {bytes[0], bytes[1]});
    }

    @Test
    void fullGrantsRefuseNewOnesUntilCleared()
    {
        final VerdictGrants grants = new VerdictGrants(4);
        for (int key = 0; key < 4; key++)
        {
            assertEquals(key, grants.find(key, 1));
        }
        assertEquals(VerdictGrants.NONE, grants.find(4, 1), "full");
        assertEquals(2, grants.find(2, 1), "the ones given out are still found");
        for (int round = 0; round < 2; round++)
        {
            for (int id = 0; id < 4; id++)
            {
                grants.count(id, 10);
            }
        }
        final int[] rules = new int[8];
        final long[] packets = new long[8];
        final long[] bytes = new long[8];
        assertEquals(8, grants.drainCounts(rules, packets, bytes, 0), "every grant counted, each listed once: its rules 0 and 1");
        assertArrayEquals(new int[] {0, 1, 0, 1, 0, 1, 0, 1}, rules);
        assertArrayEquals(new long[] {2, 2, 2, 2, 2, 2, 2, 2}, packets);
        assertArrayEquals(new long[] {20, 20, 20, 20, 20, 20, 20, 20}, bytes);
        grants.clear();
        assertEquals(0, grants.size());
        assertFalse(grants.matches(0, 0), "forgotten");
        assertEquals(0, grants.find(4, 1), "ids start again");
        assertTrue(grants.matches(0, 4));
        assertFalse(grants.matches(1, 1));
        for (int key = 5; key < 8; key++)
        {
            assertEquals(key - 4, grants.find(key, 1));
        }
        assertEquals(VerdictGrants.NONE, grants.find(0, 1), "a key forgotten by the clear is new");
    }

    @Test
    void capacityMustBeAPowerOfTwo()
    {
        assertThrows(IllegalArgumentException.class, () -> new VerdictGrants(12));
        assertThrows(IllegalArgumentException.class, () -> new VerdictGrants(0));
    }
}
