using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Core.Models;

/// <summary>
/// Token ids. Reserved ids: unknown, sentence start/end, and one class token per literal class. A literal is kept
/// verbatim when it was frequent in training; otherwise it maps to its class token, which is never offered as text.
/// </summary>
public sealed class Vocabulary
{
    public const int Unk = 0, Bos = 1, Eos = 2, StrClass = 3, CharClass = 4, NumClass = 5, InterpClass = 6, RawClass = 7;
    public const int ReservedCount = 8;
    private static readonly string[] ReservedNames = ["<unk>", "<s>", "</s>", "<str>", "<char>", "<num>", "<istr>", "<raw>"];

    private string[] _words;
    private TokenKind[] _kinds;
    private readonly Dictionary<string, int> _ids;
    private int _count;

    public Vocabulary(IReadOnlyList<string> words, IReadOnlyList<TokenKind> kinds)
    {
        if (words.Count != kinds.Count) throw new ArgumentException("words and kinds differ in length");
        _words = new string[ReservedCount + words.Count];
        _kinds = new TokenKind[_words.Length];
        _ids = new Dictionary<string, int>(_words.Length, StringComparer.Ordinal);
        for (int i = 0; i < ReservedCount; i++) { _words[i] = ReservedNames[i]; _kinds[i] = i >= StrClass ? TokenKind.Literal : TokenKind.Special; }
        for (int i = 0; i < words.Count; i++)
        {
            int id = ReservedCount + i;
            _words[id] = words[i];
            _kinds[id] = kinds[i];
            if (!_ids.TryAdd(words[i], id)) throw new InvalidDataException($"duplicate vocabulary entry '{words[i]}'");
        }
        _count = StaticCount = _words.Length;
        var byName = Enumerable.Range(ReservedCount, StaticCount - ReservedCount).ToArray();
        var spelled = _words;
        Array.Sort(byName, (x, y) => string.Compare(spelled[x], spelled[y], StringComparison.OrdinalIgnoreCase) is var c && c != 0 ? c : x.CompareTo(y));
        _byName = byName;
    }

    /// <summary>Ids below this were trained; ids from here on were added while editing (see <see cref="MapOrAdd"/>).</summary>
    public int StaticCount { get; }
    public int Count => _count;
    public string this[int id] => _words[id];
    public TokenKind KindOf(int id) => _kinds[id];
    public IReadOnlyList<string> Words => new ArraySegment<string>(_words, 0, _count);

    /// <summary>Class tokens and specials are never inserted as text.</summary>
    public static bool IsInsertable(int id) => id >= ReservedCount;

    public static int ClassOf(LiteralClass c) => c switch
    {
        LiteralClass.String => StrClass,
        LiteralClass.Char => CharClass,
        LiteralClass.Number => NumClass,
        LiteralClass.InterpolatedText => InterpClass,
        LiteralClass.RawString => RawClass,
        _ => Unk,
    };

    public int Map(in LexToken t)
    {
        if (_ids.TryGetValue(t.Text, out int id) && IsSameKind(id, t)) return id;
        return t.Class != LiteralClass.None ? ClassOf(t.Class) : Unk;
    }

    /// <summary>A literal maps only to a literal entry: interpolated-string text such as "(" or "name" is not the
    /// punctuation or identifier of the same spelling (else its id would depend on which was added first).</summary>
    private bool IsSameKind(int id, in LexToken t) => (t.Class != LiteralClass.None) == (_kinds[id] == TokenKind.Literal);

    public bool TryGetId(string text, out int id) => _ids.TryGetValue(text, out id);

    private readonly int[] _byName; // trained ids by spelling, ignoring case

    /// <summary>The trained ids whose spelling starts with <paramref name="prefix"/> ignoring case: the slice
    /// [Lo, Hi) of <see cref="IdsByName"/> (spellings sorted ignoring case, so that those with a prefix are
    /// contiguous). Two binary searches.</summary>
    public (int Lo, int Hi) PrefixRange(string prefix)
    {
        var ids = IdsByName;
        int lo = 0, hi = ids.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (string.Compare(_words[ids[mid]], prefix, StringComparison.OrdinalIgnoreCase) < 0) lo = mid + 1; else hi = mid;
        }
        int start = lo;
        hi = ids.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_words[ids[mid]].StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) lo = mid + 1; else hi = mid;
        }
        return (start, lo);
    }

    /// <summary>The trained ids (reserved ones left out) sorted by spelling, ignoring case (ties by id); sorted when
    /// the vocabulary is made (the model's load), never on a keystroke.</summary>
    public int[] IdsByName => _byName;

    /// <summary>
    /// Like <see cref="Map"/>, but an identifier or keyword the model never saw gets a new dynamic id, so that caches
    /// over the user's documents can predict names written after training. Not thread-safe: the engine serializes it.
    /// </summary>
    private int[] _refs = new int[16]; // per dynamic id: occurrences in the documents the engine holds
    private int _live;                  // dynamic ids with at least one occurrence

    /// <summary>Dynamic words that occur in some document now. Words typed and deleted again (the prefixes of a name
    /// being typed) are not live, and take no probability mass.</summary>
    public int LiveDynamicCount => _live;

    public bool IsLive(int id) => id < StaticCount || (id - StaticCount < _refs.Length && _refs[id - StaticCount] > 0);

    /// <summary>Counts occurrences of dynamic ids held by documents (delta +1 when held, -1 when released).</summary>
    public void Retain(ReadOnlySpan<int> ids, int delta)
    {
        foreach (var id in ids)
        {
            int k = id - StaticCount;
            if (k < 0) continue;
            if (k >= _refs.Length) Array.Resize(ref _refs, Math.Max(_refs.Length * 2, k + 1));
            int before = _refs[k];
            _refs[k] = Math.Max(0, before + delta);
            if (before == 0 && _refs[k] > 0) _live++;
            else if (before > 0 && _refs[k] == 0) { _live--; _unheld.Add(id); }
        }
    }

    // Dynamic ids no document holds any more (candidates for Sweep), and freed ids, lowest first, for reuse.
    private readonly List<int> _unheld = new();
    private readonly PriorityQueue<int, int> _free = new();

    /// <summary>Dynamic words the vocabulary holds (live or not yet swept); for tests and memory figures.</summary>
    public int DynamicCount => _count - StaticCount - _freeBelowCount;
    private int _freeBelowCount; // freed ids below _count

    /// <summary>
    /// Forgets the dynamic words that no document holds (their ids are reused, the arrays and the name table shrink),
    /// so that names typed or opened after training do not pile up for the life of the server. Call only where no
    /// id is held without <see cref="Retain"/> (the engine calls it at the end of each edit, open and close).
    /// </summary>
    public void Sweep()
    {
        if (_unheld.Count == 0) return;
        int removed = 0;
        foreach (int id in _unheld)
        {
            int k = id - StaticCount;
            if (id >= _count || _words[id] == null || (k < _refs.Length && _refs[k] > 0)) continue;
            _ids.Remove(_words[id]);
            _words[id] = null!;
            _free.Enqueue(id, id);
            _freeBelowCount++;
            removed++;
        }
        _unheld.Clear();
        if (removed == 0) return;
        // Freed ids at the top shorten the range that queries scan.
        while (_count > StaticCount && _words[_count - 1] == null) { _count--; _freeBelowCount--; }
        if (_freeBelowCount == 0) { _free.Clear(); _free.TrimExcess(); } // every freed id was trimmed off the top
        int capacity = Math.Max(StaticCount + 16, _count * 2);
        if (_words.Length > capacity * 2)
        {
            Array.Resize(ref _words, capacity);
            Array.Resize(ref _kinds, capacity);
            if (_refs.Length > capacity - StaticCount) Array.Resize(ref _refs, Math.Max(16, capacity - StaticCount));
        }
        if (removed > 1024) { _ids.TrimExcess(); _unheld.TrimExcess(); }
    }

    private int NextDynamicId()
    {
        while (_free.TryDequeue(out int id, out _))
        {
            if (id >= _count) continue; // trimmed off the top
            _freeBelowCount--;
            return id;
        }
        if (_count == _words.Length)
        {
            Array.Resize(ref _words, _words.Length * 2);
            Array.Resize(ref _kinds, _kinds.Length * 2);
        }
        return _count++;
    }

    public int MapOrAdd(in LexToken t)
    {
        if (_ids.TryGetValue(t.Text, out int id)) return IsSameKind(id, t) ? id : t.Class != LiteralClass.None ? ClassOf(t.Class) : Unk;
        if (t.Class != LiteralClass.None) return ClassOf(t.Class);
        if (t.Kind is not (TokenKind.Identifier or TokenKind.Keyword) || t.Text.Length > 128) return Unk;
        id = NextDynamicId();
        _words[id] = t.Text;
        _kinds[id] = t.Kind;
        _ids[t.Text] = id;
        // Not held until retained: a word mapped and never retained is swept too.
        _unheld.Add(id);
        return id;
    }

    public int[] MapAll(ReadOnlySpan<LexToken> tokens)
    {
        var r = new int[tokens.Length];
        for (int i = 0; i < r.Length; i++) r[i] = Map(tokens[i]);
        return r;
    }

    /// <summary>Builds a vocabulary: words seen at least <paramref name="minCount"/> times; literals at least
    /// <paramref name="literalMinCount"/> times and at most <paramref name="maxLiteralLength"/> characters
    /// (the rules are <see cref="Counting.TokenTable.ToVocabulary"/>'s, which counting from raw ids uses too).</summary>
    public static Vocabulary Build(IEnumerable<LexToken[]> files, int minCount, int literalMinCount = 3, int maxLiteralLength = 24)
    {
        var table = new Counting.TokenTable();
        foreach (var f in files)
            foreach (var t in f) table.Add(table.Id(t));
        return table.ToVocabulary(minCount, literalMinCount, maxLiteralLength).Vocabulary;
    }
}
