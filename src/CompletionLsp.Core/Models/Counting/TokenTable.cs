using System.Runtime.InteropServices;
using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Core.Models.Counting;

/// <summary>
/// Every distinct token of a corpus (its text and literal class) under a dense id, with how often it occurred:
/// the "raw" ids that counting runs on before the vocabulary is known, and that count shards store. Ids below
/// <see cref="Vocabulary.ReservedCount"/> are the reserved tokens, as in <see cref="Vocabulary"/>.
/// <see cref="ToVocabulary"/> decides the vocabulary from the counts alone, so that it does not depend on the order
/// in which files were read, and maps each raw id to its vocabulary id exactly as <see cref="Vocabulary.Map"/> would.
/// </summary>
public sealed class TokenTable
{
    private readonly Dictionary<(string Text, LiteralClass Class), int> _ids = new();
    private readonly List<string> _text = [];
    private readonly List<LiteralClass> _class = [];
    private readonly List<TokenKind> _kind = [];
    private readonly List<long> _count = [];
    private readonly List<long> _heldOut = [];

    public TokenTable()
    {
        for (int i = 0; i < Vocabulary.ReservedCount; i++) { _text.Add(""); _class.Add(LiteralClass.None); _kind.Add(TokenKind.Special); _count.Add(0); _heldOut.Add(0); }
    }

    public int Count => _text.Count;
    public string TextOf(int id) => _text[id];
    public LiteralClass ClassOf(int id) => _class[id];
    public TokenKind KindOf(int id) => _kind[id];
    public long CountOf(int id) => _count[id];
    public long HeldOutCountOf(int id) => _heldOut[id];

    /// <summary>The raw id of a token, added if new. Kinds of one spelling are kept order-independently (the least).</summary>
    public int Id(in LexToken t) => Id(t.Text, t.Class, t.Kind);

    public int Id(string text, LiteralClass cls, TokenKind kind)
    {
        ref int id = ref CollectionsMarshal.GetValueRefOrAddDefault(_ids, (text, cls), out bool exists);
        if (!exists)
        {
            id = _text.Count;
            _text.Add(text); _class.Add(cls); _kind.Add(kind); _count.Add(0); _heldOut.Add(0);
        }
        else if (kind < _kind[id]) _kind[id] = kind;
        return id;
    }

    /// <summary>Counts an occurrence; <paramref name="heldOut"/> marks one in a file held out for tuning.</summary>
    public void Add(int id, long by = 1, bool heldOut = false)
    {
        _count[id] += by;
        if (heldOut) _heldOut[id] += by;
    }

    /// <summary>
    /// The vocabulary: a spelling is kept when seen at least <paramref name="minCount"/> times in all (as code or as
    /// literal text); one seen only in literals needs <paramref name="literalMinCount"/> and at most
    /// <paramref name="maxLiteralLength"/> characters and no line break. Most frequent first; ties in code-point
    /// (UTF-8 byte) order, which SQL engines share. With <paramref name="excludeHeldOut"/>, the counts of held-out files
    /// are left out.
    /// </summary>
    /// <returns>The vocabulary, and for each raw id its vocabulary id.</returns>
    public (Vocabulary Vocabulary, int[] Map) ToVocabulary(int minCount, int literalMinCount = 3, int maxLiteralLength = 24, bool excludeHeldOut = false)
    {
        var bySpelling = new Dictionary<string, (long Count, TokenKind Kind, bool Literal)>(StringComparer.Ordinal);
        for (int i = Vocabulary.ReservedCount; i < _text.Count; i++)
        {
            long c = _count[i] - (excludeHeldOut ? _heldOut[i] : 0);
            if (c == 0) continue;
            bool literal = _class[i] != LiteralClass.None;
            ref var e = ref CollectionsMarshal.GetValueRefOrAddDefault(bySpelling, _text[i], out bool exists);
            if (!exists) e = (c, _kind[i], literal);
            else
            {
                // A spelling seen both as code and as literal text (an interpolated "(") is the code token.
                var kind = e.Literal == literal ? (TokenKind)Math.Min((int)e.Kind, (int)_kind[i]) : literal ? e.Kind : _kind[i];
                e = (e.Count + c, kind, e.Literal && literal);
            }
        }
        var kept = bySpelling.Where(kv => kv.Value.Literal
                ? kv.Value.Count >= Math.Max(minCount, literalMinCount) && kv.Key.Length <= maxLiteralLength && !kv.Key.Contains('\n')
                : kv.Value.Count >= minCount)
            .OrderByDescending(kv => kv.Value.Count).ThenBy(kv => kv.Key, CodePointComparer.Instance).ToList();
        var vocab = new Vocabulary(kept.Select(k => k.Key).ToList(), kept.Select(k => k.Value.Kind).ToList());
        var map = new int[_text.Count];
        for (int i = 0; i < Vocabulary.ReservedCount; i++) map[i] = i;
        for (int i = Vocabulary.ReservedCount; i < map.Length; i++)
            map[i] = vocab.Map(new LexToken(0, 0, _text[i], _kind[i], _class[i]));
        return (vocab, map);
    }

    /// <summary>Adds another table's tokens and counts; returns, for each of its raw ids, the id here.</summary>
    public int[] Merge(TokenTable other)
    {
        var map = new int[other.Count];
        for (int i = 0; i < Vocabulary.ReservedCount; i++) { map[i] = i; _count[i] += other._count[i]; _heldOut[i] += other._heldOut[i]; }
        for (int i = Vocabulary.ReservedCount; i < other.Count; i++)
        {
            int id = Id(other._text[i], other._class[i], other._kind[i]);
            Add(id, other._count[i]);
            _heldOut[id] += other._heldOut[i];
            map[i] = id;
        }
        return map;
    }
}

/// <summary>Orders strings by code point (as UTF-8 bytes compare), not by UTF-16 unit: the two differ only where
/// surrogate pairs meet characters U+E000..U+FFFF.</summary>
public sealed class CodePointComparer : IComparer<string>
{
    public static readonly CodePointComparer Instance = new();
    public int Compare(string? a, string? b)
    {
        if (ReferenceEquals(a, b)) return 0;
        if (a == null) return -1;
        if (b == null) return 1;
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            char x = a[i], y = b[i];
            if (x == y) continue;
            return Fix(x).CompareTo(Fix(y));
        }
        return a.Length.CompareTo(b.Length);
    }
    // Surrogates (U+D800..U+DFFF) encode code points above U+FFFF: move them above U+E000..U+FFFF.
    private static int Fix(char c) => c >= 0xD800 ? (c >= 0xE000 ? c - 0x800 : c + 0x2000) : c;
}
