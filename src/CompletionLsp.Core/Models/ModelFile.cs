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

    public static void Write(string path, IReadOnlyList<(string Tag, byte[] Payload)> sections)
    {
        var full = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        RemoveStaleTemporaries(dir, System.IO.Path.GetFileName(full));
        var tmp = System.IO.Path.Combine(dir, $".{System.IO.Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None))
            {
                ulong hash = Fnv.Offset;
                void Put(ReadOnlySpan<byte> b) { fs.Write(b); hash = Fnv.Hash(hash, b); }
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
                fs.Position = 12; fs.Write(BitConverter.GetBytes(1u));
                fs.Flush(true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(tmp); } catch { /* best effort */ }
            throw;
        }
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
            // Size 0: an empty file, or no regular file (a named pipe would block the reader for good, a device
            // such as /dev/zero would never end); none of them is opened.
            if (File.Exists(path) && Corpus.RepoWalker.TargetLength(path) == 0) throw new ModelFormatException(path, "model file is empty (0 bytes) or not a regular file");
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException) { throw new ModelFormatException(path, "model file not found"); }
        catch (DirectoryNotFoundException) { throw new ModelFormatException(path, "model file not found"); }
        catch (UnauthorizedAccessException e) { throw new ModelFormatException(path, "model file is not readable: " + e.Message); }
        catch (IOException e) { throw new ModelFormatException(path, "model file could not be read: " + e.Message); }
        return Parse(path, bytes);
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
