namespace CompletionLsp.Core.Models.Counting;

/// <summary>
/// Builds the count trie (<see cref="NGramCounts"/>) from n-gram records given in increasing order.
/// <para>A record is what one position of the corpus contributes: the next min(order, tokens left in its file) tokens,
/// &lt;/s&gt; included. The raw count of an n-gram is then the summed count of the records it begins. Records come
/// sorted lexicographically (a record before its extensions), each once, with its count; every counting path (the
/// in-memory sorter, spilled runs, merged shards, a SQL engine) ends here, so equal records give an equal model.</para>
/// </summary>
public sealed class TrieBuilder
{
    private readonly int _order, _vocab;
    private readonly long[] _unigrams;
    private readonly int[] _childStart0;
    private readonly BlockList[] _words, _counts, _childStart; // per level (0-based); level 0 is dense
    private readonly int[] _prev, _path;
    private int _prevLen, _lastFirst = -1;

    public TrieBuilder(int order, int vocabSize)
    {
        if (order < 1 || order > 6) throw new ArgumentOutOfRangeException(nameof(order), "order must be 1..6");
        _order = order; _vocab = vocabSize;
        _unigrams = new long[vocabSize];
        _childStart0 = order > 1 ? new int[vocabSize + 1] : [];
        _words = new BlockList[order]; _counts = new BlockList[order]; _childStart = new BlockList[order];
        for (int n = 1; n < order; n++) { _words[n] = new(); _counts[n] = new(); _childStart[n] = new(); }
        _prev = new int[order]; _path = new int[order];
    }

    public long Records { get; private set; }

    /// <exception cref="InvalidDataException">The record is out of order, repeated, too long, or holds a bad id or count.</exception>
    public void Add(ReadOnlySpan<int> record, long count)
    {
        if (record.Length < 1 || record.Length > _order) throw new InvalidDataException($"n-gram record of length {record.Length} (order {_order})");
        if (count < 1) throw new InvalidDataException($"n-gram record with count {count}");
        foreach (var w in record) if ((uint)w >= (uint)_vocab) throw new InvalidDataException($"n-gram record with word id {w} (vocabulary {_vocab})");
        int l = 0, max = Math.Min(_prevLen, record.Length);
        while (l < max && record[l] == _prev[l]) l++;
        if (Records > 0 && (l == record.Length || (l < _prevLen && record[l] < _prev[l])))
            throw new InvalidDataException("n-gram records are not in increasing order");
        Records++;
        _unigrams[record[0]] += count;
        if (l == 0)
        {
            int w = record[0];
            if (_order > 1) for (int u = _lastFirst + 1; u <= w; u++) _childStart0[u] = _words[1].Count;
            _lastFirst = w;
            _path[0] = w;
        }
        for (int i = 1; i < record.Length; i++)
        {
            if (i < l)
            {
                long c = _counts[i][_path[i]] + count;
                if (c > int.MaxValue) throw new InvalidDataException("n-gram count overflows");
                _counts[i][_path[i]] = (int)c;
                continue;
            }
            if (count > int.MaxValue) throw new InvalidDataException("n-gram count overflows");
            _path[i] = _words[i].Count;
            _words[i].Add(record[i]);
            _counts[i].Add((int)count);
            if (i + 1 < _order) _childStart[i].Add(_words[i + 1].Count);
        }
        record.CopyTo(_prev);
        _prevLen = record.Length;
    }

    public NGramCounts Build()
    {
        var words = new int[_order][];
        var counts = new int[_order][];
        var childStart = new int[_order - 1][];
        words[0] = new int[_vocab];
        counts[0] = new int[_vocab];
        for (int i = 0; i < _vocab; i++)
        {
            words[0][i] = i;
            if (_unigrams[i] > int.MaxValue) throw new InvalidDataException("unigram count overflows");
            counts[0][i] = (int)_unigrams[i];
        }
        if (_order > 1)
        {
            for (int u = _lastFirst + 1; u <= _vocab; u++) _childStart0[u] = _words[1].Count;
            childStart[0] = _childStart0;
        }
        for (int n = 1; n < _order; n++)
        {
            if (n + 1 < _order) { _childStart[n].Add(_words[n + 1].Count); childStart[n] = _childStart[n].ToArrayReleasing(); }
            words[n] = _words[n].ToArrayReleasing();
            counts[n] = _counts[n].ToArrayReleasing();
        }
        return new NGramCounts(_order, _vocab, words, counts, childStart);
    }
}
