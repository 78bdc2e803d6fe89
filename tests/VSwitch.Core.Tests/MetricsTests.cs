using VSwitch.Core.Control;
using VSwitch.Core.Fdb;
using VSwitch.Core.Observability;

namespace VSwitch.Core.Tests;

public class MetricsTests
{
    [Fact]
    public void PrometheusText_RendersPortCounters_WithBridgeAndPortLabels_AndSkipsBridgeTotals()
    {
        var stats = new List<PortStats>
        {
            new("xapi1", "xapi1", "bridge", 99, 99, 0, 0, 99, 99, 0, 0, 0, []),
            new("vif1.0", "xapi1", "vif", 10, 1000, 1, 2, 20, 2000, 3, 4, 5, new() { ["too_short"] = 1,
                ["tx_queue_full"] = 4 }),
        };
        using var metrics = new SwitchMetrics(() => stats, new ForwardingDatabase());
        string text = PrometheusText.Render(metrics.Meter);

        Assert.Contains("# TYPE vswitch_port_rx_packets_total counter\n", text);
        Assert.Contains("vswitch_port_rx_packets_total{bridge=\"xapi1\",port=\"vif1.0\"} 10\n", text);
        Assert.Contains("vswitch_port_rx_bytes_total{bridge=\"xapi1\",port=\"vif1.0\"} 1000\n", text);
        Assert.Contains("vswitch_port_tx_errors_total{bridge=\"xapi1\",port=\"vif1.0\"} 3\n", text);
        Assert.Contains("vswitch_port_drops_total{bridge=\"xapi1\",port=\"vif1.0\",reason=\"tx_queue_full\"} 4\n",
            text);
        Assert.Contains("# TYPE vswitch_fdb_entries gauge\nvswitch_fdb_entries 0\n",
            text.Replace("# HELP vswitch_fdb_entries learned MAC entries in the forwarding database\n", ""));
        Assert.DoesNotContain("port=\"xapi1\"", text);
    }
}
