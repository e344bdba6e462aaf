namespace CompletionLsp.Core.Models;

/// <summary>
/// Counts of the n-grams of a set of token sequences (a document, or recently edited files), updatable in place:
/// n-grams are added and removed as text changes, so the cache always reflects the text as it is now.
/// Keys are 64-bit hashes of (context length, context tokens).
/// </summary>
public sealed class NGramCache
{
    /// <summary>The next-token counts after one context. Most contexts of a document are followed by one token only
    /// (every n-gram around a name that occurs once): that one is kept inline, a table only from the second.</summary>
    public sealed class Entry
    {
        public int Total;
        private int _word, _count;        // the only next token, while there is one
        private Dictionary<int, int>? _more;

        /// <summary>Distinct next tokens.</summary>
        public int Distinct => _more?.Count ?? (_count > 0 ? 1 : 0);

        public int CountOf(int w) => _more != null ? _more.GetValueOrDefault(w) : w == _word ? _count : 0;

        /// <summary>The distinct next tokens.</summary>
        public IEnumerable<int> Words => _more != null ? _more.Keys : _count > 0 ? [_word] : [];

        internal void Add(int w)
        {
            Total++;
            if (_more != null) { System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_more, w, out _)++; return; }
            if (_count == 0) { _word = w; _count = 1; }
            else if (_word == w) _count++;
            else { _more = new Dictionary<int, int> { [_word] = _count, [w] = 1 }; _count = 0; }
        }

        /// <summary>Removes one occurrence of <paramref name="w"/>; false if it has none.</summary>
        internal bool Remove(int w)
        {
            if (_more != null)
            {
                if (!_more.TryGetValue(w, out int c)) return false;
                if (c <= 1) _more.Remove(w); else _more[w] = c - 1;
                if (_more.Count == 1) { foreach (var kv in _more) { _word = kv.Key; _count = kv.Value; } _more = null; }
            }
            else
            {
                if (_count == 0 || _word != w) return false;
                _count--;
            }
            Total--;
            return true;
        }
    }

    private readonly Dictionary<ulong, Entry> _map = new();
    public int Order { get; }
    public NGramCache(int order) { Order = Math.Clamp(order, 1, 8); }
    public int ContextCount => _map.Count;

    /// <summary>Adds (sign = +1) or removes (sign = -1) the n-grams of every order that end at positions
    /// [from, to) of <paramref name="seq"/> (seq[0] is normally &lt;s&gt;, which is never predicted).</summary>
    public void Update(ReadOnlySpan<int> seq, int from, int to, int sign)
    {
        from = Math.Max(from, 1);
        to = Math.Min(to, seq.Length);
        for (int i = from; i < to; i++)
        {
            int w = seq[i];
            ulong h = Seed;
            for (int j = 0; j < Order && i - j >= 0; j++)
            {
                if (j > 0) h = Mix(h, seq[i - j]);
                Apply(h, w, sign);
            }
        }
    }

    private void Apply(ulong key, int w, int sign)
    {
        if (sign > 0)
        {
            ref var e = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_map, key, out bool exists);
            if (!exists) e = new Entry();
            e!.Add(w);
        }
        else if (_map.TryGetValue(key, out var e) && e.Remove(w) && e.Total <= 0) _map.Remove(key);
    }

    /// <summary>Entries for context lengths 0..Order-1 ending at the end of <paramref name="context"/> (null where unseen).</summary>
    public void Lookup(ReadOnlySpan<int> context, Span<Entry?> entries)
    {
        ulong h = Seed;
        for (int j = 0; j < entries.Length; j++)
        {
            if (j > 0)
            {
                if (j > context.Length) { entries[j] = null; continue; }
                h = Mix(h, context[^j]);
            }
            entries[j] = j < Order ? _map.GetValueOrDefault(h) : null;
        }
    }

    /// <summary>Empties the cache and gives back its table (a large document's cache is hundreds of thousands of contexts).</summary>
    public void Clear()
    {
        bool large = _map.Count > 1 << 14;
        _map.Clear();
        if (large) _map.TrimExcess();
    }

    private const ulong Seed = 0x9E3779B97F4A7C15UL;
    private static ulong Mix(ulong h, int token)
    {
        h ^= (uint)token + 0x632BE59BD9B4E019UL + (h << 6) + (h >> 2);
        h *= 0xFF51AFD7ED558CCDUL;
        return h ^ (h >> 33);
    }
}
