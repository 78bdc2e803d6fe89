using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace VSwitch.Core.Observability;

/// <summary>
/// Renders a meter's observable instruments in Prometheus' text exposition format (version 0.0.4):
/// dots become underscores, counters get _total, units in bytes get _bytes.
/// </summary>
public static class PrometheusText
{
    public static string Render(Meter meter)
    {
        var samples = new List<(Instrument Instrument, long Value, KeyValuePair<string, object?>[] Tags)>();
        using (var listener = new MeterListener())
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (ReferenceEquals(instrument.Meter, meter)) l.EnableMeasurementEvents(instrument);
            };
            listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => samples.Add((instrument, value,
                tags.ToArray())));
            listener.Start();
            listener.RecordObservableInstruments();
        }

        var text = new StringBuilder();
        foreach (var group in samples.GroupBy(s => s.Instrument))
        {
            var instrument = group.Key;
            bool counter = instrument.GetType().Name.StartsWith("ObservableCounter", StringComparison.Ordinal);
            string name = Name(instrument, counter);
            text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {instrument.Description}\n");
            text.Append(CultureInfo.InvariantCulture, $"# TYPE {name} {(counter ? "counter" : "gauge")}\n");
            foreach (var (_, value, tags) in group)
            {
                text.Append(name);
                if (tags.Length > 0)
                    text.Append('{').AppendJoin(',', tags.Select(t
                        => $"{t.Key}=\"{Escape(t.Value?.ToString() ?? "")}\"")).Append('}');
                text.Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }
        return text.ToString();
    }

    private static string Name(Instrument instrument, bool counter)
    {
        string name = instrument.Name.Replace('.', '_');
        if (instrument.Unit == "By" && !name.EndsWith("_bytes", StringComparison.Ordinal)) name += "_bytes";
        return counter ? name + "_total" : name;
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n",
        "\\n");
}
