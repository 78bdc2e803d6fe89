using System.Text.Json;
using VSwitch.Core.Control;

namespace VSwitch.Core.Config;

/// <summary>Reads and atomically writes the config file.</summary>
public static class ConfigFile
{
    /// <summary>A missing file is an empty switch; a malformed one is refused with the JSON path of the
    /// fault.</summary>
    public static SwitchConfig Load(string path)
    {
        if (!File.Exists(path)) return new SwitchConfig();
        string text = File.ReadAllText(path);
        if (string.IsNullOrWhiteSpace(text)) return new SwitchConfig();
        SwitchConfig? config;
        try
        {
            config = JsonSerializer.Deserialize(text, ConfigJsonContext.Default.SwitchConfig);
        }
        catch (JsonException e)
        {
            string where = e.Path is null ? "" : $" at {e.Path}";
            string line = e.LineNumber is null ? "" : $" (line {e.LineNumber + 1})";
            throw new ConfigException($"config {path}{where}{line}: {FirstSentence(e.Message)}");
        }
        if (config is null) throw new ConfigException($"config {path}: expected a JSON object");
        ConfigValidator.Validate(config, path);
        return config;
    }

    public static string Serialize(SwitchConfig config) => JsonSerializer.Serialize(config,
        ConfigJsonContext.Default.SwitchConfig);

    /// <summary>Write a temporary file beside the target, fsync it, rename it over the target, fsync the
    /// directory.</summary>
    public static void SaveAtomically(string path, SwitchConfig config)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(Serialize(config) + "\n");
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, full, overwrite: true);
        SyncDirectory(directory);
    }

    private static void SyncDirectory(string directory)
    {
        // A rename is durable only once the directory entry is on disk. Opening a directory for fsync is
        // not possible through FileStream on every runtime, so a failure here is tolerated: the rename
        // itself is still atomic.
        try
        {
            using var handle = File.OpenHandle(directory, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(handle);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
