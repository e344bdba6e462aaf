using System.Runtime.InteropServices;
using CompletionLsp.Core.Models.Counting;

namespace CompletionLsp.Core.Training;

/// <summary>
/// The training files as raw token ids (see <see cref="Models.Counting.TokenTable"/>) and gaps, in a temporary file:
/// tokenizing happens once, and the counting passes read the ids back instead of holding every token in memory.
/// About 5 bytes per token on disk; the file is deleted on dispose.
/// </summary>
public sealed class TokenStore : IDisposable
{
    public const string Prefix = "completion-lsp-tokens-";
    private readonly string _path;
    private readonly FileStream _fs;
    private readonly List<(bool HeldOut, int Tokens)> _files = [];

    public TokenStore(string? tempDir = null)
    {
        var dir = tempDir ?? Path.GetTempPath();
        Directory.CreateDirectory(dir);
        TempFiles.RemoveStale(dir, Prefix);
        _path = TempFiles.NewPath(dir, Prefix, ".tmp");
        _fs = new FileStream(_path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20, FileOptions.DeleteOnClose);
        // On Unix the name goes at once (the open file stays readable): a killed training leaves nothing behind.
        if (!OperatingSystem.IsWindows()) { try { File.Delete(_path); } catch (IOException) { } catch (UnauthorizedAccessException) { } }
    }

    public int Files => _files.Count;
    public long Tokens { get; private set; }

    public void Add(ReadOnlySpan<int> ids, ReadOnlySpan<byte> gaps, bool heldOut)
    {
        if (gaps.Length != ids.Length) throw new ArgumentException("ids and gaps differ in length");
        _fs.Seek(0, SeekOrigin.End);
        _fs.Write(MemoryMarshal.AsBytes(ids));
        _fs.Write(gaps);
        _files.Add((heldOut, ids.Length));
        Tokens += ids.Length;
    }

    /// <summary>Calls <paramref name="each"/> for every stored file in order, with its ids and gaps (valid during the call).</summary>
    public void ForEach(Action<int[], byte[], bool> each, CancellationToken ct = default)
    {
        _fs.Flush();
        _fs.Position = 0;
        foreach (var (heldOut, n) in _files)
        {
            ct.ThrowIfCancellationRequested();
            var ids = new int[n];
            _fs.ReadExactly(MemoryMarshal.AsBytes(ids.AsSpan()));
            var gaps = new byte[n];
            _fs.ReadExactly(gaps);
            each(ids, gaps, heldOut);
        }
    }

    public void Dispose() => _fs.Dispose();
}
