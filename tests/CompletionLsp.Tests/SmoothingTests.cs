using CompletionLsp.Core.Models;
using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Tests;

/// <summary>
/// Smoothing on a corpus small enough to compute by hand. Five files (one a line), each framed by &lt;s&gt; and &lt;/s&gt;:
/// <code>
///   b a d
///   d
///   d
///   d b b b
///   b d d
/// </code>
/// Vocabulary (min count 1): the 8 reserved tokens (&lt;unk&gt; &lt;s&gt; &lt;/s&gt; and 5 literal classes) + a, b, d: V = 11.
/// </summary>
public class SmoothingTests
{
    private static readonly string[] Lines = ["b a d", "d", "d", "d b b b", "b d d"];
    private const int V = 11;

    private static (Vocabulary Vocab, NGramModel Model) Build(int order, SmoothingKind smoothing, double delta = 0.01)
    {
        var files = Lines.Select(l => CSharpLexer.Lex(l).ToArray()).ToList();
        var vocab = Vocabulary.Build(files, minCount: 1);
        Assert.Equal(V, vocab.Count);
        var ids = files.Select(f => vocab.MapAll(f)).ToList();
        var counts = NGramBuilder.Build(ids, order, vocab.Count);
        return (vocab, new NGramModel(vocab, counts, new NGramOptions(order, smoothing, delta)));
    }

    private static int Id(Vocabulary v, string w) => w switch
    {
        "<s>" => Vocabulary.Bos,
        "</s>" => Vocabulary.Eos,
        "<unk>" => Vocabulary.Unk,
        _ => v.TryGetId(w, out int id) ? id : throw new ArgumentException(w),
    };

    private static double P(Vocabulary v, NGramModel m, string context, string word) =>
        m.Probability(context.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => Id(v, w)).ToArray(), Id(v, word));

    // Modified Kneser-Ney discounts (Chen and Goodman, eq. 26): Y = n1 / (n1 + 2 n2); D1 = 1 - 2Y n2/n1; D2 = 2 - 3Y n3/n2; D3+ = 3 - 4Y n4/n3.
    private static double[] Discounts(double n1, double n2, double n3, double n4)
    {
        double y = n1 / (n1 + 2 * n2);
        return [1 - 2 * y * n2 / n1, 2 - 3 * y * n3 / n2, 3 - 4 * y * n4 / n3];
    }

    [Fact]
    public void Interpolated_modified_Kneser_Ney_bigram_probabilities_match_a_hand_computation()
    {
        var (v, m) = Build(2, SmoothingKind.KneserNey);

        // Bigram counts (raw: the top order):  <s> b: 2   <s> d: 3   a d: 1   b </s>: 1   b a: 1   b b: 2   b d: 1
        //                                      d </s>: 4  d b: 1     d d: 1
        // Count-of-counts: n1 = 6, n2 = 2, n3 = 1, n4 = 1.
        var d2 = Discounts(6, 2, 1, 1); // Y = 0.6: D1 = 0.6, D2 = 1.1, D3+ = 0.6
        Assert.Equal([0.6, 1.1, 0.6], d2.Select(x => Math.Round(x, 12)));

        // Unigram adjusted counts = distinct left neighbours: a {b} = 1, b {<s>, d, b} = 3, d {<s>, a, b, d} = 4,
        // </s> {b, d} = 2; <s> is never predicted (0); <unk> and the literal classes are unseen (0).
        // Count-of-counts: n1 = n2 = n3 = n4 = 1.
        var d1 = Discounts(1, 1, 1, 1); // Y = 1/3: D1 = 1/3, D2 = 1, D3+ = 5/3
        var tables = m.KneserNeyTables!;
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(d1[i], tables.Discounts[0][i], 12);
            Assert.Equal(d2[i], tables.Discounts[1][i], 12);
        }

        // Unigrams: total of adjusted counts 1 + 3 + 4 + 2 = 10; gamma = (D1·1 + D3·1 + D3·1 + D2·1) / 10, interpolated
        // with the uniform distribution over the V - 1 = 10 ids other than <s>.
        double total1 = 10, gamma1 = (d1[0] + d1[2] + d1[2] + d1[1]) / total1, uniform = 1.0 / (V - 1);
        double pa = (1 - d1[0]) / total1 + gamma1 * uniform;
        double pb = (3 - d1[2]) / total1 + gamma1 * uniform;
        double pd = (4 - d1[2]) / total1 + gamma1 * uniform;
        double peos = (2 - d1[1]) / total1 + gamma1 * uniform;
        double punk = gamma1 * uniform;
        Assert.Equal(1.0, pa + pb + pd + peos + 6 * punk, 12); // <unk> and 5 class tokens share the uniform mass
        Assert.Equal(pa, P(v, m, "", "a"), 6);
        Assert.Equal(pb, P(v, m, "", "b"), 6);
        Assert.Equal(pd, P(v, m, "", "d"), 6);
        Assert.Equal(peos, P(v, m, "", "</s>"), 6);
        Assert.Equal(punk, P(v, m, "", "<unk>"), 6);
        Assert.Equal(0, P(v, m, "", "<s>"));

        // After b: children a 1, b 2, d 1, </s> 1 (total 5); gamma = (D1·3 + D2·1) / 5 = 0.58.
        double gb = (3 * d2[0] + d2[1]) / 5;
        Assert.Equal(0.58, gb, 12);
        Assert.Equal((1 - d2[0]) / 5 + gb * pa, P(v, m, "b", "a"), 6);     // 0.145733..
        Assert.Equal((2 - d2[1]) / 5 + gb * pb, P(v, m, "b", "b"), 6);     // 0.2844
        Assert.Equal((1 - d2[0]) / 5 + gb * pd, P(v, m, "b", "d"), 6);     // 0.2424
        Assert.Equal((1 - d2[0]) / 5 + gb * peos, P(v, m, "b", "</s>"), 6);
        Assert.Equal(gb * punk, P(v, m, "b", "<unk>"), 6);                 // unseen after b: backoff only

        // After <s>: b 2, d 3 (total 5); gamma = (D2 + D3) / 5 = 0.34.
        double gs = (d2[1] + d2[2]) / 5;
        Assert.Equal((3 - d2[2]) / 5 + gs * pd, P(v, m, "<s>", "d"), 6);   // 0.5752
        Assert.Equal((2 - d2[1]) / 5 + gs * pb, P(v, m, "<s>", "b"), 6);   // 0.2412
        Assert.Equal(gs * pa, P(v, m, "<s>", "a"), 6);

        // After d: </s> 4, b 1, d 1 (total 6); gamma = (D3 + 2·D1) / 6 = 0.3.
        double gd = (d2[2] + 2 * d2[0]) / 6;
        Assert.Equal((4 - d2[2]) / 6 + gd * peos, P(v, m, "d", "</s>"), 6); // 0.610667

        // A context never followed by anything (<unk>, a class token) backs off to the unigram with weight 1;
        // only the last token counts for a bigram model.
        Assert.Equal(pd, P(v, m, "<unk>", "d"), 6);
        Assert.Equal(P(v, m, "b", "a"), P(v, m, "d d b", "a"), 12);
    }

    [Fact]
    public void Kneser_Ney_middle_orders_use_continuation_counts_except_after_sentence_start()
    {
        var (v, m) = Build(3, SmoothingKind.KneserNey);
        var tables = m.KneserNeyTables!;
        // Trigram counts: <s> b a 1, <s> b d 1, <s> d </s> 2, <s> d b 1, a d </s> 1, b a d 1, b b </s> 1, b b b 1,
        // b d d 1, d b b 1, d d </s> 1: count-of-counts 10, 1, 0, 0 -> n3 = 0, so the fallback discounts apply.
        double[] fallback = [0.5, 0.75, 0.9];
        Assert.Equal(fallback, tables.Discounts[2]);
        // Bigram adjusted counts: continuation counts (distinct words before them in trigrams), except that bigrams
        // starting with <s> keep their raw counts (nothing can precede <s>):
        //   <s> b: 2 (raw)  <s> d: 3 (raw)  a d: 1 {b}  b </s>: 1 {b}  b a: 1 {<s>}  b b: 2 {b, d}  b d: 1 {<s>}
        //   d </s>: 3 {<s>, a, d}  d b: 1 {<s>}  d d: 1 {b}       count-of-counts 6, 2, 2, 0 -> fallback too.
        Assert.Equal(fallback, tables.Discounts[1]);
        // Unigrams as in the bigram model (continuation counts from bigrams): D = 1/3, 1, 5/3.
        var d1 = Discounts(1, 1, 1, 1);
        double gamma1 = (d1[0] + d1[2] + d1[2] + d1[1]) / 10, uniform = 1.0 / (V - 1);
        double pd = (4 - d1[2]) / 10 + gamma1 * uniform;
        double peos = (2 - d1[1]) / 10 + gamma1 * uniform;

        // P(d | <s>) at the middle order uses the raw count 3 of "<s> d": children of <s> are b 2, d 3 (total 5),
        // gamma = (D2·1 + D3·1) / 5 = 0.33.
        double p2 = (3 - fallback[2]) / 5 + (fallback[1] + fallback[2]) / 5 * pd; // 0.5124
        Assert.Equal(p2, P(v, m, "<s>", "d"), 6);

        // P(</s> | <s> d): trigram children of "<s> d" are </s> 2, b 1 (total 3), gamma = (D2 + D1) / 3;
        // lower order P(</s> | d): children </s> 3, b 1, d 1 (continuation counts, total 5), gamma = (D3 + 2·D1) / 5.
        double pEosAfterD = (3 - fallback[2]) / 5 + (fallback[2] + 2 * fallback[0]) / 5 * peos; // 0.475733..
        double expected = (2 - fallback[1]) / 3 + (fallback[1] + fallback[0]) / 3 * pEosAfterD; // 0.614889..
        Assert.Equal(expected, P(v, m, "<s> d", "</s>"), 6);
        // P(</s> | a d): "a d" was followed by </s> once (total 1), gamma = D1 / 1.
        Assert.Equal((1 - fallback[0]) / 1 + fallback[0] / 1 * pEosAfterD, P(v, m, "a d", "</s>"), 6);
    }

    [Fact]
    public void Add_delta_uses_the_longest_context_seen_in_training()
    {
        const double delta = 0.5;
        var (v, m) = Build(2, SmoothingKind.AddDelta, delta);
        // After b: a 1, b 2, d 1, </s> 1 (total 5); P = (c + delta) / (5 + delta·(V - 1)).
        double denom = 5 + delta * (V - 1);
        Assert.Equal((1 + delta) / denom, P(v, m, "b", "a"), 12);  // 0.15
        Assert.Equal((2 + delta) / denom, P(v, m, "b", "b"), 12);  // 0.25
        Assert.Equal(delta / denom, P(v, m, "b", "<unk>"), 12);    // 0.05
        // </s> is never followed by anything: back off to unigram counts a 1, b 5, d 6, </s> 5 (17 in all, <s> excluded).
        double uni = 17 + delta * (V - 1);
        Assert.Equal((6 + delta) / uni, P(v, m, "</s>", "d"), 12);
        Assert.Equal((5 + delta) / uni, P(v, m, "", "b"), 12);
        Assert.Equal(delta / uni, P(v, m, "", "<unk>"), 12);
        Assert.Equal(0, P(v, m, "", "<s>"));

        var (v3, m3) = Build(3, SmoothingKind.AddDelta, delta);
        // After "<s> d": </s> 2, b 1 (total 3).
        Assert.Equal((2 + delta) / (3 + delta * (V - 1)), P(v3, m3, "<s> d", "</s>"), 12); // 0.3125
        // "a b" never occurred: the longest seen context is "b".
        Assert.Equal((2 + delta) / denom, P(v3, m3, "a b", "b"), 12);
    }

    [Fact]
    public void Discounts_fall_back_when_a_count_of_counts_is_zero_and_stay_inside_their_counts()
    {
        Assert.Equal([0.5, 0.75, 0.9], SmoothedTables.ComputeDiscounts(5, 0, 1, 1));
        Assert.Equal([0.5, 0.75, 0.9], SmoothedTables.ComputeDiscounts(5, 2, 1, 0));
        var d = SmoothedTables.ComputeDiscounts(100, 40, 20, 12);
        var expected = Discounts(100, 40, 20, 12);
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], d[i], 12);
        // Weird count-of-counts would give a discount outside (0, count): it is clamped.
        var clamped = SmoothedTables.ComputeDiscounts(1, 100, 1, 1000);
        Assert.InRange(clamped[0], 0.01, 0.99);
        Assert.InRange(clamped[1], 0.01, 1.99);
        Assert.InRange(clamped[2], 0.01, 2.99);
    }
}
