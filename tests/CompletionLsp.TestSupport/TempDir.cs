using CompletionLsp.Core.Corpus;

namespace CompletionLsp.TestSupport;

/// <summary>
/// A fresh temporary folder under the system's temp folder (clsp-tests/&lt;name&gt;-&lt;random&gt;), deleted when
/// disposed, with the permissions a test took away given back first.
/// </summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string? name = null) => Path = Create(name ?? "t");

    /// <summary>A fresh folder that is not deleted (for paths a test hands on and never cleans up).</summary>
    public static string Create(string name)
    {
        var d = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "clsp-tests", name + "-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(d);
        return d;
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Writes a text file (and the folders above it); returns its full path.</summary>
    public string File(string relative, string text)
    {
        var full = Combine(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllText(full, text);
        return full;
    }

    /// <summary>Writes a file of bytes (and the folders above it); returns its full path.</summary>
    public string Bytes(string relative, byte[] bytes)
    {
        var full = Combine(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllBytes(full, bytes);
        return full;
    }

    /// <summary>Copies the repository's own sources (src/) here, keeping their relative paths.</summary>
    public void CopySources(string subfolder = "")
    {
        foreach (var f in RepoWalker.Walk(Repo.Src, new List<SkippedFile>()))
        {
            var dest = System.IO.Path.Combine(Path, subfolder, f.RelativePath);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(dest)!);
            System.IO.File.Copy(f.FullPath, dest);
        }
    }

    public void Dispose()
    {
        try
        {
            // Give back permissions taken away by a test (a folder with mode 000 cannot be emptied): each folder is
            // opened again as it is listed, before the listing goes into it. Symbolic links are not followed.
            if (!OperatingSystem.IsWindows())
                foreach (var d in Directory.EnumerateDirectories(Path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
                    if (new DirectoryInfo(d).LinkTarget == null) System.IO.File.SetUnixFileMode(d, (UnixFileMode)0x1ED);
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* best effort */ }
    }
}
