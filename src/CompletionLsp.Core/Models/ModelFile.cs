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

    /// <summary>A section to write: its tag, its exact length, and what writes its payload to a stream (large
    /// sections are written straight to the file, without a copy in memory).</summary>
    public sealed record Section(string Tag, long Length, Action<Stream> Write)
    {
        public static Section Of(string tag, byte[] payload) => new(tag, payload.Length, s => s.Write(payload));
    }

    public static void Write(string path, IReadOnlyList<(string Tag, byte[] Payload)> sections, CancellationToken ct = default) =>
        Write(path, sections.Select(s => Section.Of(s.Tag, s.Payload)).ToList(), ct);

    public static void Write(string path, IReadOnlyList<Section> sections, CancellationToken ct = default)
    {
        var full = ResolveOutput(path);
        var dir = System.IO.Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        RemoveStaleTemporaries(dir, System.IO.Path.GetFileName(full));
        var tmp = System.IO.Path.Combine(dir, $".{System.IO.Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        lock (Pending) Pending.Add(tmp);
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16))
            {
                var hs = new HashingStream(fs, ct);
                Span<byte> buf = stackalloc byte[8];
                hs.Write(Magic);
                BitConverter.TryWriteBytes(buf, Version); hs.Write(buf[..4]);
                // The complete flag is hashed as 1 but written as 0 until everything else is on disk.
                BitConverter.TryWriteBytes(buf, 1u); hs.Hash = Fnv.Hash(hs.Hash, buf[..4]);
                BitConverter.TryWriteBytes(buf, 0u); fs.Write(buf[..4]);
                BitConverter.TryWriteBytes(buf, (uint)sections.Count); hs.Write(buf[..4]);
                foreach (var sec in sections)
                {
                    if (sec.Tag.Length != 4) throw new ArgumentException("section tags are 4 ASCII characters");
                    hs.Write(Encoding.ASCII.GetBytes(sec.Tag));
                    BitConverter.TryWriteBytes(buf, (ulong)sec.Length); hs.Write(buf);
                    long before = hs.Written;
                    sec.Write(hs);
                    if (hs.Written - before != sec.Length)
                        throw new InvalidOperationException($"section {sec.Tag} wrote {hs.Written - before} bytes, not the {sec.Length} declared");
                }
                fs.Write(EndMagic);
                BitConverter.TryWriteBytes(buf, hs.Hash); fs.Write(buf);
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

    /// <summary>Writes through to the file, hashing what it writes, in pieces so that a cancellation (Ctrl-C,
    /// SIGTERM) stops a large write soon.</summary>
    private sealed class HashingStream(Stream inner, CancellationToken ct) : Stream
    {
        public ulong Hash = Fnv.Offset;
        public long Written;
        public override void Write(ReadOnlySpan<byte> b)
        {
            for (int at = 0; at < b.Length; at += 1 << 20)
            {
                ct.ThrowIfCancellationRequested();
                var piece = b.Slice(at, Math.Min(1 << 20, b.Length - at));
                inner.Write(piece);
                Hash = Fnv.Hash(Hash, piece);
                Written += piece.Length;
            }
        }
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void WriteByte(byte value) => Write([value]);
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Written;
        public override long Position { get => Written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
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

    /// <summary>Every section of a model file, in memory (small files and tests; <see cref="Open"/> streams).</summary>
    public static Dictionary<string, byte[]> Read(string path)
    {
        using var r = Open(path);
        return r.Tags.ToDictionary(t => t, r.Bytes, StringComparer.Ordinal);
    }

    /// <summary>
    /// Opens a model file for reading section by section: the header, end marker and section table are checked
    /// first (a few reads: a large foreign or damaged file is refused without being read whole), then the checksum
    /// over the whole file, streamed. No section is held in memory until it is asked for.
    /// </summary>
    public static ModelReader Open(string path)
    {
        FileStream? fs = null;
        try
        {
            // A named pipe would block the reader for good, a device such as /dev/zero would never end: neither is opened.
            var kind = Corpus.FileKind.Of(path);
            if (kind == Corpus.FileType.Missing) throw new FileNotFoundException();
            if (Corpus.FileKind.IsSpecial(kind)) throw new ModelFormatException(path, $"model file is {Corpus.FileKind.Describe(kind)}, not a regular file");
            if (File.Exists(path) && Corpus.RepoWalker.TargetLength(path) == 0) throw new ModelFormatException(path, "model file is empty (0 bytes) or not a regular file");
            fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            var sections = CheckLayout(path, fs);
            fs.Position = 0;
            ulong hash = Fnv.Offset;
            var buf = new byte[1 << 16];
            for (long left = fs.Length - TrailerSize; left > 0;)
            {
                int n = fs.Read(buf, 0, (int)Math.Min(buf.Length, left));
                if (n <= 0) throw new EndOfStreamException();
                hash = Fnv.Hash(hash, buf.AsSpan(0, n));
                left -= n;
            }
            fs.ReadExactly(buf.AsSpan(0, TrailerSize));
            if (BitConverter.ToUInt64(buf, 8) != hash) throw new ModelFormatException(path, "model file is corrupt (checksum mismatch)");
            var r = new ModelReader(path, fs, sections);
            fs = null;
            return r;
        }
        catch (FileNotFoundException) { throw new ModelFormatException(path, "model file not found"); }
        catch (DirectoryNotFoundException) { throw new ModelFormatException(path, "model file not found"); }
        catch (EndOfStreamException) { throw new ModelFormatException(path, "model file is truncated (it shrank while being read)"); }
        catch (UnauthorizedAccessException e) { throw new ModelFormatException(path, "model file is not readable: " + e.Message); }
        catch (IOException e) { throw new ModelFormatException(path, "model file could not be read: " + e.Message); }
        finally { fs?.Dispose(); }
    }

    /// <summary>The checks that need only the header, the trailer and the section headers: the declared sizes are
    /// checked before anything is read whole (so a damaged length is reported as such, before the checksum).</summary>
    private static Dictionary<string, (long Offset, long Length)> CheckLayout(string path, FileStream fs)
    {
        var sections = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
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
            sections[Encoding.ASCII.GetString(sh, 0, 4)] = (p, (long)len);
            p += (long)len;
        }
        if (problem == null && p != end) problem = "model file is corrupt (trailing bytes after sections)";
        if (problem != null) throw new ModelFormatException(path, problem);
        return sections;
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

/// <summary>An open, checked model file: its sections by tag, read one at a time (not thread-safe).</summary>
public sealed class ModelReader : IDisposable
{
    private readonly FileStream _fs;
    private readonly Dictionary<string, (long Offset, long Length)> _sections;

    internal ModelReader(string path, FileStream fs, Dictionary<string, (long, long)> sections)
    {
        Path = path; _fs = fs; _sections = sections;
    }

    public string Path { get; }
    public IReadOnlyCollection<string> Tags => _sections.Keys;
    public bool Has(string tag) => _sections.ContainsKey(tag);
    public long LengthOf(string tag) => _sections[tag].Length;

    public byte[] Bytes(string tag)
    {
        var (o, n) = _sections[tag];
        if (n > Array.MaxLength) throw new ModelFormatException(Path, $"model file section {tag} is too large to read at once");
        var b = new byte[n];
        try { _fs.Position = o; _fs.ReadExactly(b); }
        catch (EndOfStreamException) { throw new ModelFormatException(Path, "model file is truncated (it shrank while being read)"); }
        return b;
    }

    /// <summary>A reader over one section's payload, read from the file as it goes.</summary>
    public PayloadReader Reader(string tag)
    {
        var (o, n) = _sections[tag];
        _fs.Position = o;
        return new PayloadReader(Path, tag, _fs, n);
    }

    public void Dispose() => _fs.Dispose();
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

public sealed class PayloadReader
{
    private readonly string _path, _section;
    private readonly Stream _s;
    private readonly long _length;
    private long _p;
    private readonly byte[] _small = new byte[16];

    public PayloadReader(string path, string section, byte[] data) : this(path, section, new MemoryStream(data, false), data.Length) { }

    /// <summary>Reads <paramref name="length"/> bytes from the stream's current position.</summary>
    public PayloadReader(string path, string section, Stream stream, long length)
    {
        _path = path; _section = section; _s = stream; _length = length;
    }

    private long Left => _length - _p;
    private ModelFormatException Bad(string what) => new(_path, $"model file is corrupt (section {_section}: {what})");

    private void Fill(Span<byte> into)
    {
        if (into.Length > Left) throw Bad("unexpected end of data");
        try { _s.ReadExactly(into); }
        catch (EndOfStreamException) { throw new ModelFormatException(_path, "model file is truncated (it shrank while being read)"); }
        _p += into.Length;
    }

    private ReadOnlySpan<byte> Take(int n)
    {
        var b = _small.AsSpan(0, n);
        Fill(b);
        return b;
    }

    public int Int() => BitConverter.ToInt32(Take(4));
    public byte Byte() => Take(1)[0];
    /// <summary>A 7-bit encoded int (BinaryWriter.Write7BitEncodedInt).</summary>
    public int VarInt()
    {
        long v = VarLong();
        return v is >= int.MinValue and <= int.MaxValue ? (int)v : throw Bad("bad number");
    }
    public long VarLong()
    {
        ulong v = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            byte b = Take(1)[0];
            v |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return (long)v;
        }
        throw Bad("bad number");
    }
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
        if (len < 0 || len > Left) throw Bad("unexpected end of data");
        var bytes = len <= _small.Length ? _small.AsSpan(0, len) : new byte[len];
        Fill(bytes);
        try { return new UTF8Encoding(false, true).GetString(bytes); }
        catch (DecoderFallbackException) { throw Bad("invalid UTF-8 in a string"); }
    }
    public int[] Ints(int maxLength = int.MaxValue)
    {
        int n = Int();
        if (n < 0 || n > maxLength || (long)n * 4 > Left) throw Bad("bad array length");
        var a = new int[n];
        Fill(MemoryMarshal.AsBytes(a.AsSpan()));
        return a;
    }
    public float[] Floats()
    {
        int n = Int();
        if (n < 0 || (long)n * 4 > Left) throw Bad("bad array length");
        var a = new float[n];
        Fill(MemoryMarshal.AsBytes(a.AsSpan()));
        return a;
    }
    public void End() { if (_p != _length) throw Bad("trailing bytes"); }
    public ModelFormatException Error(string what) => Bad(what);
}
