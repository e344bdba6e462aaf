namespace CompletionLsp.Core.Models.Counting;

/// <summary>
/// Temporary files and folders of counting, named <c>&lt;prefix&gt;&lt;pid&gt;-&lt;guid&gt;</c>: a process that was killed
/// (SIGKILL, a power cut) cannot delete its own, so the next one removes those whose process is gone.
/// </summary>
public static class TempFiles
{
    public static string NewPath(string dir, string prefix, string suffix = "") =>
        Path.Combine(dir, $"{prefix}{Environment.ProcessId}-{Guid.NewGuid():N}{suffix}");

    /// <summary>Deletes the files and folders named <paramref name="prefix"/>&lt;pid&gt;-... in <paramref name="dir"/>
    /// whose process no longer runs. Best effort: what cannot be deleted is left.</summary>
    public static void RemoveStale(string dir, string prefix)
    {
        try
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(dir, prefix + "*"))
            {
                var rest = Path.GetFileName(entry)[prefix.Length..];
                int dash = rest.IndexOf('-');
                if (dash <= 0 || !int.TryParse(rest[..dash], out int pid) || pid == Environment.ProcessId || Alive(pid)) continue;
                try
                {
                    if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true); else File.Delete(entry);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private static bool Alive(int pid)
    {
        try { using var p = System.Diagnostics.Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }
}
