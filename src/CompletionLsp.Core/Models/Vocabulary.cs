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

    /// <summary>
    /// Like <see cref="Map"/>, but an identifier or keyword the model never saw gets a new dynamic id, so that caches
    /// over the user's documents can predict names written after training. Not thread-safe: the engine serializes it.
    /// </summary>
    public int MapOrAdd(in LexToken t)
    {
        if (_ids.TryGetValue(t.Text, out int id)) return IsSameKind(id, t) ? id : t.Class != LiteralClass.None ? ClassOf(t.Class) : Unk;
        if (t.Class != LiteralClass.None) return ClassOf(t.Class);
        if (t.Kind is not (TokenKind.Identifier or TokenKind.Keyword) || t.Text.Length > 128) return Unk;
        if (_count == _words.Length)
        {
            Array.Resize(ref _words, _words.Length * 2);
            Array.Resize(ref _kinds, _kinds.Length * 2);
        }
        id = _count;
        _words[id] = t.Text;
        _kinds[id] = t.Kind;
        _ids[t.Text] = id;
        _count++;
        return id;
    }

    public int[] MapAll(ReadOnlySpan<LexToken> tokens)
    {
        var r = new int[tokens.Length];
        for (int i = 0; i < r.Length; i++) r[i] = Map(tokens[i]);
        return r;
    }

    /// <summary>Builds a vocabulary: words seen at least <paramref name="minCount"/> times; literals at least
    /// <paramref name="literalMinCount"/> times and at most <paramref name="maxLiteralLength"/> characters.</summary>
    public static Vocabulary Build(IEnumerable<LexToken[]> files, int minCount, int literalMinCount = 3, int maxLiteralLength = 24)
    {
        var counts = new Dictionary<string, (int Count, TokenKind Kind, bool Literal)>(StringComparer.Ordinal);
        foreach (var f in files)
            foreach (var t in f)
            {
                ref var e = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, t.Text, out bool exists);
                if (!exists) e = (0, t.Kind, t.Class != LiteralClass.None);
                // A spelling seen both as code and as literal text (an interpolated "(") is the code token.
                else if (e.Literal && t.Class == LiteralClass.None) e = (e.Count, t.Kind, false);
                e.Count++;
            }
        var kept = counts.Where(kv => kv.Value.Literal
                ? kv.Value.Count >= Math.Max(minCount, literalMinCount) && kv.Key.Length <= maxLiteralLength && !kv.Key.Contains('\n')
                : kv.Value.Count >= minCount)
            .OrderByDescending(kv => kv.Value.Count).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        return new Vocabulary(kept.Select(k => k.Key).ToList(), kept.Select(k => k.Value.Kind).ToList());
    }
}
