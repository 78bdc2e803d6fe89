namespace VSwitch.Core.Frames;

/// <summary>
/// A set of VLAN IDs (1–4094), as a trunk port's allowed list: a 4096-bit bitmap, so a membership test
/// on the frame path is one shift and one load. Immutable once built.
/// </summary>
public sealed class VlanSet
{
    private readonly ulong[] _bits = new ulong[64];

    private VlanSet() { }

    public bool Contains(int id) => (uint)id < 4096 && (_bits[id >> 6] & (1UL << (id & 63))) != 0;

    public IEnumerable<int> Ids()
    {
        for (int id = 1; id <= VlanTag.MaxId; id++) if (Contains(id)) yield return id;
    }

    public static VlanSet Of(IEnumerable<int> ids)
    {
        var set = new VlanSet();
        foreach (int id in ids)
        {
            if (!VlanTag.IsValidId(id)) throw new FormatException($"VLAN ID {id} is out of range (1–{VlanTag.MaxId})");
            set._bits[id >> 6] |= 1UL << (id & 63);
        }
        return set;
    }

    /// <summary>Parses "5,7,100-110" (the notation of ovs-vsctl's trunks and bridge vlan add).</summary>
    public static VlanSet Parse(string text)
    {
        var ids = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var range = part.Split('-', StringSplitOptions.TrimEntries);
            if (range.Length is < 1 or > 2 || !int.TryParse(range[0], out int first) || (range.Length == 2
                && !int.TryParse(range[1], out _)))
                throw new FormatException($"'{part}' is neither a VLAN ID nor a range like 100-110");
            int last = range.Length == 2 ? int.Parse(range[1]) : first;
            if (last < first) throw new FormatException($"VLAN range {part} runs backwards");
            for (int id = first; id <= last; id++)
            {
                if (!VlanTag.IsValidId(id)) throw new FormatException($"VLAN ID {id} is out of range " +
                    $"(1–{VlanTag.MaxId})");
                ids.Add(id);
            }
        }
        return Of(ids);
    }

    /// <summary>The compact form Parse reads back: runs of consecutive IDs as ranges.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        int start = -1, previous = -2;
        foreach (int id in Ids().Append(-1))
        {
            if (id == previous + 1) { previous = id; continue; }
            if (start >= 0) parts.Add(start == previous ? $"{start}" : $"{start}-{previous}");
            start = previous = id;
        }
        return string.Join(",", parts);
    }
}
