namespace CompletionLsp.Core.Models.Counting;

/// <summary>
/// Turns token streams (or weighted records) into the sorted, distinct n-gram records that <see cref="TrieBuilder"/>
/// takes, in bounded memory, as KenLM's lmplz does: tokens are buffered up to the memory budget, each full buffer is
/// sorted and its distinct records are written to a sorted run on disk, and the runs are merged at the end. With a
/// corpus that fits the budget nothing is written to disk.
/// <para>Memory: about 8 bytes per buffered token (the token and its position in the sort), or 41 bytes per buffered
/// record (a merge). The records that come out (the model) are the caller's.</para>
/// </summary>
public sealed class NGramSorter : IDisposable
{
    public const long DefaultMemoryBytes = 1L << 30;
    /// <summary>The name of the folder of a sorter's runs starts so (then the process id; see <see cref="TempFiles"/>).</summary>
    public const string RunsPrefix = "completion-lsp-counts-";
    private const int MinBufferTokens = 1 << 12;

    private readonly int _order;
    private readonly long _capacity;      // tokens (token mode) or records (record mode) per buffer
    private readonly string? _tempRoot;
    private string? _tempDir;
    private readonly List<string> _runs = [];
    private readonly CancellationToken _ct;

    // Token mode: framed files, back to back; every file ends with </s>, which ends each record.
    private int[] _tok = new int[1024];
    private int _tokCount;
    // Record mode: fixed-stride records (padded with -1) and their counts.
    private int[] _rec = [];
    private long[] _recCount = [];
    private int _recN;
    private bool? _recordMode;

    public NGramSorter(int order, long memoryBytes = DefaultMemoryBytes, string? tempDir = null, CancellationToken ct = default)
    {
        if (order < 1 || order > 6) throw new ArgumentOutOfRangeException(nameof(order), "order must be 1..6");
        _order = order;
        _tempRoot = tempDir;
        _ct = ct;
        _capacity = Math.Max(MinBufferTokens, memoryBytes / 8);
    }

    /// <summary>Sorted runs written to disk (0 when everything fit the budget); they are deleted once merged.</summary>
    public int RunsWritten { get; private set; }

    /// <summary>Adds one file's token ids; it is framed by &lt;s&gt; and &lt;/s&gt; here.</summary>
    public void AddFile(ReadOnlySpan<int> ids)
    {
        Mode(false);
        long need = (long)ids.Length + 2;
        if (_tokCount > 0 && _tokCount + need > _capacity) Spill();
        if (_tokCount + need > Array.MaxLength) throw new InvalidOperationException("a file too large to count");
        if (_tokCount + need > _tok.Length)
            Array.Resize(ref _tok, (int)Math.Min(Array.MaxLength, Math.Max(_tokCount + need, Math.Min(_capacity, (long)_tok.Length * 2))));
        _tok[_tokCount++] = Vocabulary.Bos;
        foreach (var t in ids)
        {
            if (t == Vocabulary.Eos) throw new ArgumentException("a file's tokens hold </s>", nameof(ids));
            _tok[_tokCount++] = t;
        }
        _tok[_tokCount++] = Vocabulary.Eos;
    }

    /// <summary>Adds a record with a count (records of merged shards, mapped to the final vocabulary).</summary>
    public void AddRecord(ReadOnlySpan<int> record, long count)
    {
        Mode(true);
        if (record.Length < 1 || record.Length > _order) throw new ArgumentException($"record of length {record.Length}", nameof(record));
        long recCapacity = Math.Max(1024, _capacity * 8 / (4L * _order + 13));
        if (_recN > 0 && _recN >= recCapacity) Spill();
        if (_recN == _recCount.Length)
        {
            int n = (int)Math.Min(recCapacity, Math.Max(1024, (long)_recCount.Length * 2));
            Array.Resize(ref _recCount, n);
            Array.Resize(ref _rec, n * _order);
        }
        var slot = _rec.AsSpan(_recN * _order, _order);
        slot.Fill(-1);
        record.CopyTo(slot);
        _recCount[_recN++] = count;
    }

    private void Mode(bool records)
    {
        if (_recordMode is bool m && m != records) throw new InvalidOperationException("a sorter takes files or records, not both");
        _recordMode = records;
    }

    /// <summary>Gives every distinct record, in increasing order, with its summed count; the sorter is empty after.</summary>
    public void Drain(Action<ReadOnlySpan<int>, long> sink)
    {
        if (_runs.Count == 0) { SortBuffer(sink); return; }
        Spill();
        MergeRuns(sink);
    }

    private void Spill()
    {
        _ct.ThrowIfCancellationRequested();
        if (_tempDir == null)
        {
            var root = _tempRoot ?? Path.GetTempPath();
            Directory.CreateDirectory(root);
            TempFiles.RemoveStale(root, RunsPrefix);
            _tempDir = TempFiles.NewPath(root, RunsPrefix);
            Directory.CreateDirectory(_tempDir);
        }
        var path = Path.Combine(_tempDir, $"run{_runs.Count:D5}");
        using (var w = new RunWriter(path)) SortBuffer(w.Write);
        _runs.Add(path);
        RunsWritten++;
    }

    /// <summary>Sorts the buffer, gives its distinct records with counts, and empties it.</summary>
    private void SortBuffer(Action<ReadOnlySpan<int>, long> sink)
    {
        if (_recordMode == true) { SortRecords(sink); return; }
        int n = _tokCount;
        var tok = _tok;
        int order = _order;
        var pos = new int[n];
        for (int i = 0; i < n; i++) pos[i] = i;
        _ct.ThrowIfCancellationRequested();
        Array.Sort(pos, new PositionComparer(tok, order));
        _ct.ThrowIfCancellationRequested();
        var sum = new Aggregator(order, sink);
        foreach (var q in pos) sum.Add(tok.AsSpan(q, RecordLength(tok, q, order)), 1);
        sum.Flush();
        _tokCount = 0;
        if (_tok.Length > 1 << 20) _tok = new int[1024];
    }

    private void SortRecords(Action<ReadOnlySpan<int>, long> sink)
    {
        int n = _recN, order = _order;
        var rec = _rec;
        var idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        Array.Sort(idx, new RecordComparer(rec, order));
        _ct.ThrowIfCancellationRequested();
        var sum = new Aggregator(order, sink);
        foreach (var i in idx)
        {
            var r = rec.AsSpan(i * order, order);
            sum.Add(r.IndexOf(-1) is var k && k >= 0 ? r[..k] : r, _recCount[i]);
        }
        sum.Flush();
        _recN = 0;
        _rec = []; _recCount = [];
    }

    private static int RecordLength(int[] tok, int q, int order)
    {
        int len = 1;
        while (len < order && tok[q + len - 1] != Vocabulary.Eos) len++;
        return len;
    }

    /// <summary>Orders positions by their records: token by token, a record that ends (at &lt;/s&gt; or the order) first.</summary>
    private sealed class PositionComparer(int[] tok, int order) : IComparer<int>
    {
        public int Compare(int a, int b)
        {
            for (int i = 0; i < order; i++)
            {
                int x = tok[a + i], y = tok[b + i];
                if (x != y) return x < y ? -1 : 1;
                if (x == Vocabulary.Eos) return 0; // both records end here
            }
            return 0;
        }
    }

    private sealed class RecordComparer(int[] rec, int order) : IComparer<int>
    {
        public int Compare(int a, int b)
        {
            int pa = a * order, pb = b * order;
            for (int i = 0; i < order; i++)
            {
                int x = rec[pa + i], y = rec[pb + i];
                if (x != y) return x < y ? -1 : 1; // padding (-1) sorts first: a prefix before its extensions
                if (x < 0) return 0;
            }
            return 0;
        }
    }

    private void MergeRuns(Action<ReadOnlySpan<int>, long> sink)
    {
        var readers = _runs.Select(p => new RunReader(p, _order)).ToList();
        try
        {
            var heap = new PriorityQueue<int, int>(Comparer<int>.Create((a, b) =>
            {
                int c = readers[a].Current.SequenceCompareTo(readers[b].Current);
                return c != 0 ? c : a.CompareTo(b);
            }));
            for (int i = 0; i < readers.Count; i++) if (readers[i].Next()) heap.Enqueue(i, i);
            var sum = new Aggregator(_order, sink);
            long merged = 0;
            while (heap.TryDequeue(out int r, out _))
            {
                sum.Add(readers[r].Current, readers[r].Count);
                if (readers[r].Next()) heap.Enqueue(r, r);
                if ((++merged & 0xFFFF) == 0) _ct.ThrowIfCancellationRequested();
            }
            sum.Flush();
        }
        finally
        {
            foreach (var r in readers) r.Dispose();
            DeleteRuns();
        }
    }

    private void DeleteRuns()
    {
        foreach (var p in _runs) { try { File.Delete(p); } catch (IOException) { } catch (UnauthorizedAccessException) { } }
        _runs.Clear();
        if (_tempDir != null) { try { Directory.Delete(_tempDir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { } }
        _tempDir = null;
    }

    public void Dispose() => DeleteRuns();

    /// <summary>Sums the counts of equal records that come one after another (sorted input) and gives each once.</summary>
    private sealed class Aggregator(int order, Action<ReadOnlySpan<int>, long> sink)
    {
        private readonly int[] _cur = new int[order];
        private int _len;
        private long _count;

        public void Add(ReadOnlySpan<int> record, long count)
        {
            if (_count > 0 && record.SequenceEqual(_cur.AsSpan(0, _len))) { _count += count; return; }
            Flush();
            record.CopyTo(_cur); _len = record.Length; _count = count;
        }

        public void Flush()
        {
            if (_count > 0) sink(_cur.AsSpan(0, _len), _count);
            _count = 0;
        }
    }

    private sealed class RunWriter(string path) : IDisposable
    {
        private readonly BinaryWriter _w = new(new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20));
        public void Write(ReadOnlySpan<int> record, long count) => WriteRecord(_w, record, count);
        public void Dispose() => _w.Dispose();
    }

    /// <summary>The record format of sorted runs and of count shards' SREC section: per record its length (a byte),
    /// its ids and its count, 7-bit encoded.</summary>
    public static void WriteRecord(BinaryWriter w, ReadOnlySpan<int> record, long count)
    {
        w.Write((byte)record.Length);
        foreach (var t in record) w.Write7BitEncodedInt(t);
        w.Write7BitEncodedInt64(count);
    }

    private sealed class RunReader(string path, int order) : IDisposable
    {
        private readonly BinaryReader _r = new(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan));
        private readonly int[] _buf = new int[order];
        private int _len;
        public ReadOnlySpan<int> Current => _buf.AsSpan(0, _len);
        public long Count { get; private set; }
        public bool Next()
        {
            if (_r.BaseStream.Position >= _r.BaseStream.Length) return false;
            _len = _r.ReadByte();
            for (int i = 0; i < _len; i++) _buf[i] = _r.Read7BitEncodedInt();
            Count = _r.Read7BitEncodedInt64();
            return true;
        }
        public void Dispose() => _r.Dispose();
    }
}
