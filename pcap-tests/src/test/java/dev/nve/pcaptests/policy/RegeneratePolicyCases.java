package dev.nve.pcaptests.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes the INPUTS of the policy cases (config.json, in/PORT.pcap) from {@link PolicyCases};
 * never expected.json, which is written by hand. Runs only when asked for:
 * <pre>
 *   ./mvnw -B -o -pl dataplane,xdp-loader,control,pcap-tests test -Dnve.regenerate=true \
 *       -Dtest=RegeneratePolicyCases -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 */
@EnabledIfSystemProperty(named = "nve.regenerate", matches = "true")
final class RegeneratePolicyCases
{
    @Test
    void regenerateInputs() throws Exception
    {
        for (final PolicyCase c : PolicyCases.all())
        {
            c.writeInputs(PolicyReplaySuiteTest.casesRoot().resolve(c.name));
        }
        System.out.println("wrote the inputs of " + PolicyCases.all().size() + " policy cases in " + PolicyReplaySuiteTest.casesRoot());
    }
}
