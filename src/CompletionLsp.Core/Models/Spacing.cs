using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Core.Models;

public enum Gap : byte { None = 0, Space = 1, Newline = 2 }

/// <summary>
/// Turns tokens back into text the way this codebase writes it: for each pair of adjacent tokens, what usually
/// separates them (nothing, a space, or a line break), learned from the training files; pairs seen too rarely fall
/// back to the same statistics over token shapes (punctuation and keywords by text, identifiers and literals by kind),
/// then to C# conventions.
/// </summary>
public sealed class Spacing
{
    private readonly long[] _pairKeys;
    private readonly byte[] _pairGaps;
    private readonly long[] _shapeKeys;
    private readonly byte[] _shapeGaps;

    public Spacing(long[] pairKeys, byte[] pairGaps, long[] shapeKeys, byte[] shapeGaps)
    {
        if (pairKeys.Length != pairGaps.Length || shapeKeys.Length != shapeGaps.Length) throw new InvalidDataException("spacing tables differ in length");
        _pairKeys = pairKeys; _pairGaps = pairGaps; _shapeKeys = shapeKeys; _shapeGaps = shapeGaps;
    }

    public static Spacing Empty => new([], [], [], []);
    public int PairCount => _pairKeys.Length;

    internal (long[], byte[], long[], byte[]) Tables => (_pairKeys, _pairGaps, _shapeKeys, _shapeGaps);

    internal static long Key(int a, int b) => ((long)a << 32) | (uint)b;

    /// <summary>Shape of a token id: itself for keywords and punctuation, one shape per kind otherwise.</summary>
    public static int Shape(Vocabulary v, int id)
    {
        if (id >= Vocabulary.ReservedCount && v.KindOf(id) is TokenKind.Keyword or TokenKind.Punctuation) return id;
        return v.KindOf(id) switch
        {
            TokenKind.Identifier => -1,
            TokenKind.Literal => -2,
            _ => -3,
        };
    }

    public static Spacing Learn(Vocabulary vocab, IEnumerable<TokenizedFile> files, int minPairCount = 3)
    {
        var counter = new SpacingCounter();
        foreach (var f in files) counter.Add(vocab.MapAll(f.Tokens), f.Gaps);
        return counter.Build(vocab, minPairCount);
    }

    /// <summary>Spacing from counts of what separated each pair of adjacent ids (see <see cref="SpacingCounter"/>).</summary>
    internal static Spacing FromPairs(Vocabulary vocab, Dictionary<long, SpacingCounter.Gaps> pairs, int minPairCount)
    {
        // Shapes: the same counts, over token shapes.
        var shapes = new Dictionary<long, SpacingCounter.Gaps>();
        foreach (var (k, g) in pairs)
        {
            ref var s = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(shapes, Key(Shape(vocab, (int)(k >> 32)), Shape(vocab, (int)k)), out _);
            s = s.Plus(g);
        }
        // Keep an exact pair only where it says something its shapes do not.
        var shapeList = shapes.OrderBy(kv => kv.Key).ToList();
        var shapeKeys = shapeList.Select(kv => kv.Key).ToArray();
        var shapeGaps = shapeList.Select(kv => kv.Value.Decide()).ToArray();
        var sp = new Spacing([], [], shapeKeys, shapeGaps);
        var pairList = pairs.Where(kv => kv.Value.Total >= minPairCount)
            .Where(kv => kv.Value.Decide() != (byte)sp.ShapeGap(vocab, (int)(kv.Key >> 32), (int)kv.Key))
            .OrderBy(kv => kv.Key).ToList();
        return new Spacing(pairList.Select(kv => kv.Key).ToArray(), pairList.Select(kv => kv.Value.Decide()).ToArray(), shapeKeys, shapeGaps);
    }

    private Gap ShapeGap(Vocabulary vocab, int a, int b)
    {
        int i = Array.BinarySearch(_shapeKeys, Key(Shape(vocab, a), Shape(vocab, b)));
        if (i >= 0) return (Gap)_shapeGaps[i];
        return Fallback(vocab, a, b);
    }

    /// <summary>What separates token <paramref name="a"/> from a following token <paramref name="b"/>.</summary>
    public Gap Between(Vocabulary vocab, int a, int b)
    {
        if (a < vocab.StaticCount && b < vocab.StaticCount)
        {
            int i = Array.BinarySearch(_pairKeys, Key(a, b));
            if (i >= 0) return (Gap)_pairGaps[i];
        }
        return ShapeGap(vocab, a, b);
    }

    private static Gap Fallback(Vocabulary v, int a, int b)
    {
        string ta = v[a], tb = v[b];
        if (tb is ")" or "]" or ";" or "," or "." or "?." or "++" or "--" or ">") return tb == ">" && ta is not ("<" or ",") && !IsWordish(v, a) ? Gap.Space : Gap.None;
        if (ta is "(" or "[" or "." or "?." or "!" or "~" or "<" or "@" or "::") return Gap.None;
        if (tb is "(" or "[" or "<") return IsWordish(v, a) && v.KindOf(a) != TokenKind.Keyword ? Gap.None : Gap.Space;
        return Gap.Space;
    }

    private static bool IsWordish(Vocabulary v, int id) => v.KindOf(id) is TokenKind.Identifier or TokenKind.Keyword;

    /// <summary>Text of a token sequence that follows <paramref name="previous"/> (use -1 when unknown), on one line.</summary>
    public string Render(Vocabulary vocab, int previous, IReadOnlyList<int> tokens)
    {
        var sb = new System.Text.StringBuilder();
        int prev = previous;
        foreach (var t in tokens)
        {
            if (prev >= 0 && sb.Length > 0 && Between(vocab, prev, t) != Gap.None) sb.Append(' ');
            sb.Append(vocab[t]);
            prev = t;
        }
        return sb.ToString();
    }

    public byte[] Serialize()
    {
        var w = new PayloadWriter();
        w.Int(_pairKeys.Length);
        foreach (var k in _pairKeys) w.Long(k);
        w.Ints(_pairGaps.Select(b => (int)b).ToArray());
        w.Int(_shapeKeys.Length);
        foreach (var k in _shapeKeys) w.Long(k);
        w.Ints(_shapeGaps.Select(b => (int)b).ToArray());
        return w.ToArray();
    }

    public static Spacing Deserialize(string path, byte[] data)
    {
        var r = new PayloadReader(path, "SPAC", data);
        long[] Keys()
        {
            int n = r.Int();
            if (n < 0 || (long)n * 8 > data.Length) throw r.Error("bad table size");
            var k = new long[n];
            for (int i = 0; i < n; i++) k[i] = r.Long();
            for (int i = 1; i < n; i++) if (k[i] <= k[i - 1]) throw r.Error("table not sorted");
            return k;
        }
        byte[] Gaps(int n)
        {
            var g = r.Ints();
            if (g.Length != n || g.Any(x => x is < 0 or > 2)) throw r.Error("bad gap table");
            return g.Select(x => (byte)x).ToArray();
        }
        var pk = Keys(); var pg = Gaps(pk.Length);
        var sk = Keys(); var sg = Gaps(sk.Length);
        r.End();
        return new Spacing(pk, pg, sk, sg);
    }
}

/// <summary>Counts, for each pair of adjacent token ids, how often nothing, a space or a line break separated them:
/// everything <see cref="Spacing"/> is learned from. The counts add up, and can be moved from raw ids to vocabulary
/// ids (<see cref="Remap"/>), so that count shards merge exactly.</summary>
public sealed class SpacingCounter
{
    public readonly record struct Gaps(long None, long Space, long Newline)
    {
        public long Total => None + Space + Newline;
        public Gaps Plus(Gaps o) => new(None + o.None, Space + o.Space, Newline + o.Newline);
        public Gaps Plus(int gap) => gap switch { 0 => this with { None = None + 1 }, 1 => this with { Space = Space + 1 }, _ => this with { Newline = Newline + 1 } };
        public byte Decide() => (byte)(Newline >= Space && Newline >= None ? 2 : Space >= None ? 1 : 0);
    }

    public Dictionary<long, Gaps> Pairs { get; } = new();

    /// <summary>Adds one file: its ids, and before each the gap (0 none, 1 space, 2 line break).</summary>
    public void Add(ReadOnlySpan<int> ids, ReadOnlySpan<byte> gaps)
    {
        for (int i = 1; i < ids.Length; i++)
        {
            ref var g = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(Pairs, Spacing.Key(ids[i - 1], ids[i]), out _);
            g = g.Plus(gaps[i]);
        }
    }

    public void Add(int a, int b, Gaps g)
    {
        ref var e = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(Pairs, Spacing.Key(a, b), out _);
        e = e.Plus(g);
    }

    /// <summary>The same counts with every id replaced through <paramref name="map"/>.</summary>
    public SpacingCounter Remap(int[] map)
    {
        var r = new SpacingCounter();
        foreach (var (k, g) in Pairs) r.Add(map[(int)(k >> 32)], map[(int)k], g);
        return r;
    }

    public Spacing Build(Vocabulary vocab, int minPairCount = 3) => Spacing.FromPairs(vocab, Pairs, minPairCount);
}
