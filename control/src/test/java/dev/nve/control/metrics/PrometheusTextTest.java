package dev.nve.control.metrics;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The counter paths as Prometheus metric families with labels, escaped as the text format asks. */
final class PrometheusTextTest
{
    @Test
    void countersBecomeLabelledFamilies()
    {
        final Map<String, Long> counters = new LinkedHashMap<>();
        counters.put("port/c1/rx_packets", 10L);
        counters.put("port/uplink/rx_packets", 20L);
        counters.put("port/c1/drop/TX_FULL", 1L);
        counters.put("stage/filter/drop/POLICY_DENY", 3L);
        counters.put("stage/vxlan-decap/packets", 7L);
        counters.put("policy/security.policies[0] \"x\"/packets", 5L);
        counters.put("odd", 9L);
        assertEquals("""
            # TYPE nve_odd_total counter
            nve_odd_total 9
            # TYPE nve_policy_rule_packets_total counter
            nve_policy_rule_packets_total{rule="security.policies[0] \\"x\\""} 5
            # TYPE nve_port_drops_total counter
            nve_port_drops_total{port="c1",reason="TX_FULL"} 1
            # TYPE nve_port_rx_packets_total counter
            nve_port_rx_packets_total{port="c1"} 10
            nve_port_rx_packets_total{port="uplink"} 20
            # TYPE nve_stage_drops_total counter
            nve_stage_drops_total{stage="filter",reason="POLICY_DENY"} 3
            # TYPE nve_stage_packets_total counter
            nve_stage_packets_total{stage="vxlan-decap"} 7
            """, PrometheusText.format(counters));
    }
}
