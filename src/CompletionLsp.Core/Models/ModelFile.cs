using System.Runtime.InteropServices;
using System.Text;

namespace CompletionLsp.Core.Models;

/// <summary>Thrown for a model file that is missing, truncated, corrupt, incomplete, foreign or of another version.</summary>
public sealed class ModelFormatException(string path, string problem) : Exception($"{path}: {problem}")
{
    public string Path { get; } = path;
    public string Problem { get; } = problem;
}

/// <summary>
/// The container format of a model file (in the spirit of KenLM's binary format):
/// <code>
/// "CLSPMODL" | u32 version | u32 flags (bit 0: complete) | u32 section count
/// then per section: 4-byte ASCII tag | u64 length | payload
/// then "CLSPEND!" | u64 FNV-1a 64 of every byte before this trailer
/// </code>
/// The file is written to a temporary name beside the target with flags = 0, patched to complete, flushed, then
/// renamed over the target, so an interrupted write never replaces a good model. Only the sections this program
/// knows are decoded, each by a hand-written reader: nothing in a model file is ever deserialized into arbitrary types.
/// </summary>
public static class ModelFile
{
    public static readonly byte[] Magic = "CLSPMODL"u8.ToArray();
    public static readonly byte[] EndMagic = "CLSPEND!"u8.ToArray();
    public const uint Version = 1;
    private const int HeaderSize = 8 + 4 + 4 + 4;
    private const int TrailerSize = 8 + 8;

    /// <summary>
    /// Where a model written to <paramref name="path"/> goes: through symbolic links to the file they name (the link
    /// stays a link and its target is replaced), never over a device, a named pipe, a socket or a folder.
    /// </summary>
    /// <exception cref="IOException">The path (or a link's target) is not a regular file, or the links loop.</exception>
    public static string ResolveOutput(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        var info = new FileInfo(full);
        if (info.LinkTarget != null)
        {
            // A dangling link resolves to the path it names (created by the write).
            var target = info.ResolveLinkTarget(returnFinalTarget: true)
                ?? throw new IOException($"{path}: the symbolic link cannot be resolved");
            full = System.IO.Path.GetFullPath(target.FullName);
        }
        var kind = Corpus.FileKind.Of(full);
        if (kind == Corpus.FileType.Directory || Corpus.FileKind.IsSpecial(kind))
            throw new IOException($"{path}{(full != System.IO.Path.GetFullPath(path) ? $" (a link to {full})" : "")} is {Corpus.FileKind.Describe(kind)}, not a regular file: refusing to write a model over it");
        return full;
    }

    /// <summary>
    /// Checks, before any work, that a model can be written to <paramref name="path"/>: a regular file or none (see
    /// <see cref="ResolveOutput"/>), in a folder that exists or can be created and where a file can be created.
    /// </summary>
    /// <exception cref="IOException">Not writable, with the reason.</exception>
    public static string CheckWritable(string path)
    {
        var full = ResolveOutput(path);
        var dir = System.IO.Path.GetDirectoryName(full)!;
        var probe = System.IO.Path.Combine(dir, $".{System.IO.Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(dir);
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot write the model to {path}: {e.Message}", e);
        }
        return full;
    }

    public static void Write(string path, IReadOnlyList<(string Tag, byte[] Payload)> sections, CancellationToken ct = default)
    {
        var full = ResolveOutput(path);
        var dir = System.IO.Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        RemoveStaleTemporaries(dir, System.IO.Path.GetFileName(full));
        var tmp = System.IO.Path.Combine(dir, $".{System.IO.Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        lock (Pending) Pending.Add(tmp);
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None))
            {
                ulong hash = Fnv.Offset;
                void Put(ReadOnlySpan<byte> b)
                {
                    // In pieces, so that a cancellation (Ctrl-C, SIGTERM) stops a large write soon.
                    for (int at = 0; at < b.Length; at += 1 << 20)
                    {
                        ct.ThrowIfCancellationRequested();
                        var piece = b.Slice(at, Math.Min(1 << 20, b.Length - at));
                        fs.Write(piece);
                        hash = Fnv.Hash(hash, piece);
                    }
                }
                Span<byte> buf = stackalloc byte[8];
                Put(Magic);
                BitConverter.TryWriteBytes(buf, Version); Put(buf[..4]);
                // The complete flag is hashed as 1 but written as 0 until everything else is on disk.
                BitConverter.TryWriteBytes(buf, 1u); hash = Fnv.Hash(hash, buf[..4]);
                BitConverter.TryWriteBytes(buf, 0u); fs.Write(buf[..4]);
                BitConverter.TryWriteBytes(buf, (uint)sections.Count); Put(buf[..4]);
                foreach (var (tag, payload) in sections)
                {
                    if (tag.Length != 4) throw new ArgumentException("section tags are 4 ASCII characters");
                    Put(Encoding.ASCII.GetBytes(tag));
                    BitConverter.TryWriteBytes(buf, (ulong)payload.Length); Put(buf);
                    Put(payload);
                }
                fs.Write(EndMagic);
                BitConverter.TryWriteBytes(buf, hash); fs.Write(buf);
                fs.Flush(true);
                ct.ThrowIfCancellationRequested();
                fs.Position = 12; fs.Write(BitConverter.GetBytes(1u));
                fs.Flush(true);
            }
            ct.ThrowIfCancellationRequested();
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch { /* best effort */ }
            throw;
        }
        finally { lock (Pending) Pending.Remove(tmp); }
    }

    private static readonly HashSet<string> Pending = new(StringComparer.Ordinal);

    /// <summary>Deletes the temporary files of writes in progress (a process that is being terminated calls this).</summary>
    public static void DeletePendingTemporaries()
    {
        string[] files;
        lock (Pending) files = Pending.ToArray();
        foreach (var f in files) { try { File.Delete(f); } catch { /* best effort */ } }
    }

    /// <summary>Deletes temporary files left by writers of this model that were killed (their process is gone).</summary>
    private static void RemoveStaleTemporaries(string dir, string name)
    {
        try
        {
            foreach (var f in Directory.EnumerateFiles(dir, $".{name}.*.tmp"))
            {
                var parts = System.IO.Path.GetFileName(f)[(name.Length + 2)..].Split('.');
                if (parts.Length < 3 || !int.TryParse(parts[0], out int pid)) continue;
                bool alive;
                try { using var p = System.Diagnostics.Process.GetProcessById(pid); alive = !p.HasExited; }
                catch (ArgumentException) { alive = false; }
                catch (InvalidOperationException) { alive = false; }
                if (!alive) File.Delete(f);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { /* best effort */ }
    }

    public static Dictionary<string, byte[]> Read(string path)
    {
        byte[] bytes;
        try
        {
            // A named pipe would block the reader for good, a device such as /dev/zero would never end: neither is opened.
            var kind = Corpus.FileKind.Of(path);
            if (kind == Corpus.FileType.Missing) throw new FileNotFoundException();
            if (Corpus.FileKind.IsSpecial(kind)) throw new ModelFormatException(path, $"model file is {Corpus.FileKind.Describe(kind)}, not a regular file");
            if (File.Exists(path) && Corpus.RepoWalker.TargetLength(path) == 0) throw new ModelFormatException(path, "model file is empty (0 bytes) or not a regular file");
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            // Header, end marker and section table first (a few reads): a large foreign or damaged file is refused
            // without being read whole.
            CheckLayout(path, fs);
            if (fs.Length > Array.MaxLength) throw new ModelFormatException(path, $"model file is too large ({fs.Length / (1 << 20)} MiB)");
            bytes = new byte[fs.Length];
            fs.Position = 0;
            fs.ReadExactly(bytes);
        }
        catch (FileNotFoundException) { throw new ModelFormatException(path, "model file not found"); }
        catch (DirectoryNotFoundException) { throw new ModelFormatException(path, "model file not found"); }
        catch (EndOfStreamException) { throw new ModelFormatException(path, "model file is truncated (it shrank while being read)"); }
        catch (UnauthorizedAccessException e) { throw new ModelFormatException(path, "model file is not readable: " + e.Message); }
        catch (IOException e) { throw new ModelFormatException(path, "model file could not be read: " + e.Message); }
        return Parse(path, bytes);
    }

    /// <summary>The checks of <see cref="Parse"/> that need only the header, the trailer and the section headers, on
    /// a stream: the declared sizes are checked before anything is read whole (so a damaged length is reported as
    /// such, where <see cref="Parse"/> on bytes in memory reports the checksum first).</summary>
    private static void CheckLayout(string path, FileStream fs)
    {
        long length = fs.Length;
        var head = new byte[(int)Math.Min(length, HeaderSize)];
        fs.ReadExactly(head);
        if (length == 0) throw new ModelFormatException(path, "model file is empty (0 bytes)");
        if (head.Length < Magic.Length || !head.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new ModelFormatException(path, "not a CompletionLsp model file (wrong magic bytes)");
        if (head.Length < HeaderSize) throw new ModelFormatException(path, "model file is truncated (header incomplete)");
        uint version = BitConverter.ToUInt32(head, 8);
        if (version != Version)
            throw new ModelFormatException(path, $"model format version {version} is not supported (this build reads version {Version}); retrain with `completion-lsp train`");
        if ((BitConverter.ToUInt32(head, 12) & 1) == 0) throw new ModelFormatException(path, "model file is incomplete (training or writing was interrupted)");
        var tail = new byte[TrailerSize];
        if (length < HeaderSize + TrailerSize) throw new ModelFormatException(path, "model file is truncated (end marker missing)");
        fs.Position = length - TrailerSize;
        fs.ReadExactly(tail);
        if (!tail.AsSpan(0, 8).SequenceEqual(EndMagic)) throw new ModelFormatException(path, "model file is truncated (end marker missing)");
        uint count = BitConverter.ToUInt32(head, 16);
        long p = HeaderSize, end = length - TrailerSize;
        var sh = new byte[12];
        string? problem = null;
        for (uint i = 0; i < count && problem == null; i++)
        {
            if (p + 12 > end) { problem = "model file is corrupt (section table overruns the file)"; break; }
            fs.Position = p;
            fs.ReadExactly(sh);
            ulong len = BitConverter.ToUInt64(sh, 4);
            p += 12;
            if (len > (ulong)(end - p)) { problem = $"model file is corrupt (section {Encoding.ASCII.GetString(sh, 0, 4)} overruns the file)"; break; }
            p += (long)len;
        }
        if (problem == null && p != end) problem = "model file is corrupt (trailing bytes after sections)";
        if (problem != null) throw new ModelFormatException(path, problem);
    }

    public static Dictionary<string, byte[]> Parse(string path, byte[] bytes)
    {
        if (bytes.Length == 0) throw new ModelFormatException(path, "model file is empty (0 bytes)");
        if (bytes.Length < Magic.Length || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            throw new ModelFormatException(path, "not a CompletionLsp model file (wrong magic bytes)");
        if (bytes.Length < HeaderSize) throw new ModelFormatException(path, "model file is truncated (header incomplete)");
        uint version = BitConverter.ToUInt32(bytes, 8);
        if (version != Version)
            throw new ModelFormatException(path, $"model format version {version} is not supported (this build reads version {Version}); retrain with `completion-lsp train`");
        uint flags = BitConverter.ToUInt32(bytes, 12);
        if ((flags & 1) == 0) throw new ModelFormatException(path, "model file is incomplete (training or writing was interrupted)");
        if (bytes.Length < HeaderSize + TrailerSize || !bytes.AsSpan(bytes.Length - TrailerSize, 8).SequenceEqual(EndMagic))
            throw new ModelFormatException(path, "model file is truncated (end marker missing)");
        ulong stored = BitConverter.ToUInt64(bytes, bytes.Length - 8);
        ulong actual = Fnv.Hash(Fnv.Offset, bytes.AsSpan(0, bytes.Length - TrailerSize));
        if (stored != actual) throw new ModelFormatException(path, "model file is corrupt (checksum mismatch)");
        uint count = BitConverter.ToUInt32(bytes, 16);
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        long p = HeaderSize, end = bytes.Length - TrailerSize;
        for (uint i = 0; i < count; i++)
        {
            if (p + 12 > end) throw new ModelFormatException(path, "model file is corrupt (section table overruns the file)");
            string tag = Encoding.ASCII.GetString(bytes, (int)p, 4);
            ulong len = BitConverter.ToUInt64(bytes, (int)p + 4);
            p += 12;
            if (len > (ulong)(end - p)) throw new ModelFormatException(path, $"model file is corrupt (section {tag} overruns the file)");
            result[tag] = bytes.AsSpan((int)p, (int)len).ToArray();
            p += (long)len;
        }
        if (p != end) throw new ModelFormatException(path, "model file is corrupt (trailing bytes after sections)");
        return result;
    }

    /// <summary>FNV-1a 64-bit, byte by byte, so that hashing in pieces equals hashing at once.</summary>
    internal static class Fnv
    {
        public const ulong Offset = 14695981039346656037UL;
        private const ulong Prime = 1099511628211UL;
        public static ulong Hash(ulong h, ReadOnlySpan<byte> data)
        {
            foreach (var b in data) { h ^= b; h *= Prime; }
            return h;
        }
    }
}

/// <summary>Little helpers to write and read section payloads with explicit bounds checks.</summary>
public sealed class PayloadWriter
{
    private readonly MemoryStream _ms = new();
    private readonly BinaryWriter _w;
    public PayloadWriter() { _w = new BinaryWriter(_ms, Encoding.UTF8); }
    public void Int(int v) => _w.Write(v);
    public void Long(long v) => _w.Write(v);
    public void Double(double v) => _w.Write(v);
    public void String(string s) => _w.Write(s);
    public void Ints(int[] a) { _w.Write(a.Length); _w.Write(MemoryMarshal.AsBytes(a.AsSpan())); }
    public void Floats(float[] a) { _w.Write(a.Length); _w.Write(MemoryMarshal.AsBytes(a.AsSpan())); }
    public byte[] ToArray() { _w.Flush(); return _ms.ToArray(); }
}

public sealed class PayloadReader(string path, string section, byte[] data)
{
    private int _p;
    private ModelFormatException Bad(string what) => new(path, $"model file is corrupt (section {section}: {what})");
    private ReadOnlySpan<byte> Take(int n)
    {
        if (n < 0 || n > data.Length - _p) throw Bad("unexpected end of data");
        var s = data.AsSpan(_p, n); _p += n; return s;
    }
    public int Int() => BitConverter.ToInt32(Take(4));
    public long Long() => BitConverter.ToInt64(Take(8));
    public double Double() => BitConverter.ToDouble(Take(8));
    public string String()
    {
        // BinaryWriter's 7-bit encoded length prefix.
        int len = 0, shift = 0;
        while (true)
        {
            byte b = Take(1)[0];
            len |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) break;
            shift += 7;
            if (shift > 28) throw Bad("bad string length");
        }
        try { return new UTF8Encoding(false, true).GetString(Take(len)); }
        catch (DecoderFallbackException) { throw Bad("invalid UTF-8 in a string"); }
    }
    public int[] Ints(int maxLength = int.MaxValue)
    {
        int n = Int();
        if (n < 0 || n > maxLength || (long)n * 4 > data.Length - _p) throw Bad("bad array length");
        return MemoryMarshal.Cast<byte, int>(Take(n * 4)).ToArray();
    }
    public float[] Floats()
    {
        int n = Int();
        if (n < 0 || (long)n * 4 > data.Length - _p) throw Bad("bad array length");
        return MemoryMarshal.Cast<byte, float>(Take(n * 4)).ToArray();
    }
    public void End() { if (_p != data.Length) throw Bad("trailing bytes"); }
    public ModelFormatException Error(string what) => Bad(what);
}
