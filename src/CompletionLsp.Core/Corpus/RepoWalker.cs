using System.Text;
using MAB.DotIgnore;

namespace CompletionLsp.Core.Corpus;

public sealed record SourceFile(string RelativePath, string FullPath, long Length)
{
    public bool IsTest => Split.IsTest(RelativePath);
}

public sealed record SkippedFile(string Path, string Reason);

public sealed class WalkOptions
{
    public long MaxFileBytes { get; init; } = 4 * 1024 * 1024;
    public bool HonourGitIgnore { get; init; } = true;
    /// <summary>File name endings to collect (the semantic layer also wants project files).</summary>
    public IReadOnlyList<string> Extensions { get; init; } = [".cs"];
    /// <summary>Collect generated files too (they declare types the code uses; training leaves them out).</summary>
    public bool IncludeGenerated { get; init; }
}

/// <summary>
/// Finds the C# files of a repository: honours nested .gitignore files, skips bin/obj/.git and generated files,
/// follows directory symlinks once (loops are reported), and never throws for a single bad file or folder.
/// </summary>
public static class RepoWalker
{
    private static readonly HashSet<string> SkippedDirs = new(StringComparer.OrdinalIgnoreCase)
        { ".git", "bin", "obj", "node_modules", ".vs", ".completion-lsp" };

    public static List<SourceFile> Walk(string root, List<SkippedFile> skipped, WalkOptions? options = null)
    {
        options ??= new WalkOptions();
        var rootDir = new DirectoryInfo(root);
        if (!rootDir.Exists) throw new DirectoryNotFoundException($"No such folder: {root}");
        var files = new List<SourceFile>();
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var ignores = new List<(IgnoreList List, string Base)>();
        WalkDir(rootDir, rootDir.FullName, ignores, visited, files, skipped, options);
        files.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        return files;
    }

    private static void WalkDir(DirectoryInfo dir, string root, List<(IgnoreList, string)> ignores, HashSet<string> visited,
        List<SourceFile> files, List<SkippedFile> skipped, WalkOptions options)
    {
        string real;
        try
        {
            real = dir.LinkTarget != null ? (dir.ResolveLinkTarget(true)?.FullName ?? dir.FullName) : dir.FullName;
        }
        catch (Exception e) { skipped.Add(new(Rel(root, dir.FullName), "unresolvable link: " + e.Message)); return; }
        if (!visited.Add(Path.TrimEndingDirectorySeparator(real)))
        {
            skipped.Add(new(Rel(root, dir.FullName), "symlink loop or folder already visited"));
            return;
        }

        int pushed = 0;
        if (options.HonourGitIgnore)
        {
            var gi = Path.Combine(dir.FullName, ".gitignore");
            try
            {
                if (File.Exists(gi)) { ignores.Add((new IgnoreList(gi), dir.FullName)); pushed = 1; }
            }
            catch (Exception e) { skipped.Add(new(Rel(root, gi), "unreadable .gitignore: " + e.Message)); }
        }

        FileSystemInfo[] entries;
        try { entries = dir.GetFileSystemInfos(); }
        catch (Exception e)
        {
            skipped.Add(new(Rel(root, dir.FullName), "unreadable folder: " + e.Message));
            if (pushed == 1) ignores.RemoveAt(ignores.Count - 1);
            return;
        }
        Array.Sort(entries, (a, b) => string.CompareOrdinal(a.Name, b.Name));
        foreach (var e in entries)
        {
            bool isDir = e is DirectoryInfo;
            if (isDir && SkippedDirs.Contains(e.Name)) continue;
            if (IsIgnored(ignores, e.FullName, isDir)) continue;
            if (isDir)
            {
                WalkDir((DirectoryInfo)e, root, ignores, visited, files, skipped, options);
                continue;
            }
            if (!HasExtension(e.Name, options.Extensions)) continue;
            var rel = Rel(root, e.FullName);
            if (!options.IncludeGenerated && IsGeneratedName(e.Name)) { skipped.Add(new(rel, "generated file (by name)")); continue; }
            long len;
            try
            {
                // Through symlinks: a link to a huge file is as large as the file (a dangling link is reported when read).
                try { len = TargetLength(e.FullName); }
                catch (FileNotFoundException) { len = ((FileInfo)e).Length; }
            }
            catch (Exception ex) { skipped.Add(new(rel, "unreadable: " + ex.Message)); continue; }
            if (len > options.MaxFileBytes) { skipped.Add(new(rel, $"too large ({len / 1024} KiB > {options.MaxFileBytes / 1024} KiB)")); continue; }
            files.Add(new SourceFile(rel, e.FullName, len));
        }
        if (pushed == 1) ignores.RemoveAt(ignores.Count - 1);
    }

    private static bool HasExtension(string name, IReadOnlyList<string> extensions)
    {
        foreach (var x in extensions) if (name.EndsWith(x, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    private static bool IsIgnored(List<(IgnoreList List, string Base)> ignores, string fullPath, bool isDir)
    {
        foreach (var (list, b) in ignores)
        {
            var rel = Path.GetRelativePath(b, fullPath).Replace('\\', '/');
            if (list.IsIgnored(rel, isDir)) return true;
        }
        return false;
    }

    public static bool IsGeneratedName(string name) =>
        name.EndsWith(".g.cs", StringComparison.OrdinalIgnoreCase) ||
        name.EndsWith(".g.i.cs", StringComparison.OrdinalIgnoreCase) ||
        name.EndsWith(".designer.cs", StringComparison.OrdinalIgnoreCase) ||
        name.EndsWith(".generated.cs", StringComparison.OrdinalIgnoreCase) ||
        name.EndsWith(".AssemblyInfo.cs", StringComparison.OrdinalIgnoreCase) ||
        name.EndsWith(".AssemblyAttributes.cs", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when a comment before the first line of code (within the first 2000 characters) carries an
    /// <c>&lt;auto-generated&gt;</c> (or <c>&lt;autogenerated&gt;</c>) marker, as in Roslyn's generated-code check. A file
    /// that only mentions the marker in code, such as a source generator's header constant, is not generated.</summary>
    public static bool HasGeneratedHeader(string text)
    {
        int limit = Math.Min(text.Length, 2000);
        bool inBlock = false;
        for (int i = 0; i < limit;)
        {
            int nl = text.IndexOf('\n', i, limit - i);
            int end = nl < 0 ? limit : nl;
            var line = text.AsSpan(i, end - i).Trim();
            bool comment = inBlock || line.IsEmpty || line.StartsWith("//") || line.StartsWith("/*") || line.StartsWith("#");
            if (!comment) return false; // code: the header is over
            if (line.IndexOf("<auto-generated", StringComparison.OrdinalIgnoreCase) >= 0 ||
                line.IndexOf("<autogenerated", StringComparison.OrdinalIgnoreCase) >= 0) return true;
            if (inBlock) inBlock = line.IndexOf("*/") < 0;
            else if (line.StartsWith("/*")) inBlock = line[2..].IndexOf("*/") < 0;
            i = end + 1;
        }
        return false;
    }

    public static string Rel(string root, string full) => Path.GetRelativePath(root, full).Replace('\\', '/');

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <summary>The size of the file a path names, through symlinks (a link's own size is its target's name's length).</summary>
    public static long TargetLength(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget != null && info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo target) info = target;
        return info.Length;
    }

    /// <summary>Reads a source file as strict UTF-8 (BOM allowed), or as UTF-16 when it starts with a UTF-16 byte-order
    /// mark. Returns null and a reason for a folder, a device, a named pipe, binary or undecodable files.</summary>
    public static string? ReadSource(string path, out string? reason)
    {
        byte[] bytes;
        try
        {
            // A named pipe (opening it would wait for a writer forever) or a device such as /dev/zero behind a
            // symlink (endless) is never opened.
            var kind = FileKind.Of(path);
            if (kind == FileType.Directory) { reason = "a folder, not a file"; return null; }
            if (FileKind.IsSpecial(kind)) { reason = $"not a regular file ({FileKind.Describe(kind)})"; return null; }
            // Where the type is unknown (not Linux), a size of 0 is an empty file or no regular file: not opened.
            if (TargetLength(path) == 0) { reason = null; return ""; }
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { reason = "unreadable: no such file (" + e.Message + ")"; return null; }
        catch (Exception e) { reason = "unreadable: " + e.Message; return null; }
        if (bytes.Length >= 2 && (bytes[0], bytes[1]) is (0xFF, 0xFE) or (0xFE, 0xFF))
        {
            // UTF-16 with a byte-order mark (Windows editors write it): NUL bytes are expected, so read it as UTF-16.
            bool little = bytes[0] == 0xFF;
            var utf16 = new UnicodeEncoding(bigEndian: !little, byteOrderMark: false, throwOnInvalidBytes: true);
            try
            {
                if ((bytes.Length & 1) != 0) { reason = $"not valid UTF-16{(little ? "LE" : "BE")} (odd length)"; return null; }
                string t = utf16.GetString(bytes, 2, bytes.Length - 2);
                if (t.AsSpan(0, Math.Min(t.Length, 4096)).Contains('\0')) { reason = "binary (NUL characters in UTF-16 text)"; return null; }
                reason = null;
                return t;
            }
            catch (DecoderFallbackException) { reason = $"not valid UTF-16{(little ? "LE" : "BE")}"; return null; }
        }
        int scan = Math.Min(bytes.Length, 8192);
        if (Array.IndexOf(bytes, (byte)0, 0, scan) >= 0) { reason = "binary (NUL bytes)"; return null; }
        int offset = bytes.Length >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0;
        try
        {
            reason = null;
            return StrictUtf8.GetString(bytes, offset, bytes.Length - offset);
        }
        catch (DecoderFallbackException) { reason = "not valid UTF-8"; return null; }
    }
}
