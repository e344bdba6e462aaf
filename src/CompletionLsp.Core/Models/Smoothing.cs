namespace CompletionLsp.Core.Models;

public enum SmoothingKind : byte
{
    /// <summary>Interpolated modified Kneser-Ney (Chen and Goodman), the default.</summary>
    KneserNey = 0,
    /// <summary>Add-delta at the longest context seen in training (backoff), a baseline.</summary>
    AddDelta = 1,
}

/// <summary>
/// Turns raw counts into ARPA-style query tables: for every stored n-gram its interpolated probability, and for
/// every context its backoff weight, so that P(w|h) = Prob(h,w) if (h,w) was seen, else Backoff(h) * P(w|h').
/// </summary>
public sealed class SmoothedTables
{
    public required float[][] Prob { get; init; }
    public required float[][] Backoff { get; init; }
    /// <summary>Discounts D1, D2, D3+ per order (Kneser-Ney only), for `info`.</summary>
    public required double[][] Discounts { get; init; }

    public static SmoothedTables KneserNey(NGramCounts c)
    {
        int N = c.Order, V = c.VocabSize;
        // parent[n][j]: index at level n-1 of the prefix of j-th n-gram (levels 0-based).
        var parent = new int[N][];
        for (int n = 1; n < N; n++)
        {
            var cs = c.ChildStart[n - 1];
            var par = new int[c.Words[n].Length];
            for (int i = 0; i + 1 < cs.Length; i++)
                for (int j = cs[i]; j < cs[i + 1]; j++) par[j] = i;
            parent[n] = par;
        }
        // suffix[n][j]: index at level n-1 of the n-gram without its first word.
        var suffix = new int[N][];
        var startsWithBos = new bool[N][];
        startsWithBos[0] = new bool[V];
        startsWithBos[0][Vocabulary.Bos] = true;
        for (int n = 1; n < N; n++)
        {
            var ws = c.Words[n];
            var suf = new int[ws.Length];
            var bos = new bool[ws.Length];
            for (int j = 0; j < ws.Length; j++)
            {
                int pj = parent[n][j];
                bos[j] = startsWithBos[n - 1][pj];
                suf[j] = n == 1 ? ws[j] : c.FindChild(n - 2, suffix[n - 1][pj], ws[j]);
                if (suf[j] < 0) throw new InvalidDataException("n-gram table is not suffix-closed");
            }
            suffix[n] = suf;
            startsWithBos[n] = bos;
        }
        // Adjusted counts: continuation counts for lower orders, raw for the top order and for n-grams starting with <s>.
        var adj = new int[N][];
        for (int n = 0; n < N; n++)
        {
            if (n == N - 1) { adj[n] = c.Counts[n]; continue; }
            var a = new int[c.Words[n].Length];
            var suf = suffix[n + 1];
            for (int j = 0; j < suf.Length; j++) a[suf[j]]++;
            var bos = startsWithBos[n];
            for (int i = 0; i < a.Length; i++) if (bos[i]) a[i] = c.Counts[n][i];
            adj[n] = a;
        }
        adj[0] = (int[])adj[0].Clone();
        adj[0][Vocabulary.Bos] = 0; // <s> is never predicted

        var discounts = new double[N][];
        for (int n = 0; n < N; n++)
        {
            long n1 = 0, n2 = 0, n3 = 0, n4 = 0;
            foreach (var x in adj[n]) { if (x == 1) n1++; else if (x == 2) n2++; else if (x == 3) n3++; else if (x == 4) n4++; }
            discounts[n] = ComputeDiscounts(n1, n2, n3, n4);
        }

        var prob = new float[N][];
        var backoff = new float[N][];
        // Unigrams: interpolate with the uniform distribution over the vocabulary less <s>.
        {
            var a = adj[0];
            var d = discounts[0];
            double total = 0, gammaNum = 0;
            for (int w = 0; w < V; w++)
            {
                if (w == Vocabulary.Bos || a[w] == 0) continue;
                total += a[w];
                gammaNum += d[Math.Min(a[w], 3) - 1];
            }
            double gamma = total > 0 ? gammaNum / total : 1.0;
            double uniform = 1.0 / (V - 1);
            var p = new float[V];
            for (int w = 0; w < V; w++)
            {
                if (w == Vocabulary.Bos) continue;
                double disc = a[w] > 0 ? (a[w] - d[Math.Min(a[w], 3) - 1]) / total : 0;
                p[w] = (float)(disc + gamma * uniform);
            }
            prob[0] = p;
        }
        for (int n = 1; n < N; n++)
        {
            var a = adj[n];
            var d = discounts[n];
            var cs = c.ChildStart[n - 1];
            int parents = cs.Length - 1;
            var bo = new float[parents];
            var p = new float[a.Length];
            var lower = prob[n - 1];
            var suf = suffix[n];
            for (int h = 0; h < parents; h++)
            {
                int s = cs[h], e = cs[h + 1];
                if (s == e) { bo[h] = 1f; continue; }
                double total = 0, gammaNum = 0;
                for (int j = s; j < e; j++) { total += a[j]; gammaNum += d[Math.Min(a[j], 3) - 1]; }
                double gamma = gammaNum / total;
                for (int j = s; j < e; j++)
                    p[j] = (float)((a[j] - d[Math.Min(a[j], 3) - 1]) / total + gamma * lower[suf[j]]);
                bo[h] = (float)gamma;
            }
            prob[n] = p;
            backoff[n - 1] = bo;
        }
        backoff[N - 1] = [];
        return new SmoothedTables { Prob = prob, Backoff = backoff, Discounts = discounts };
    }

    internal static double[] ComputeDiscounts(long n1, long n2, long n3, long n4)
    {
        if (n1 == 0 || n2 == 0 || n3 == 0 || n4 == 0)
        {
            // Too little data for modified discounts: fall back to absolute discounting with D = 0.5..
            return [0.5, 0.75, 0.9];
        }
        double y = (double)n1 / (n1 + 2.0 * n2);
        double d1 = 1 - 2 * y * n2 / n1;
        double d2 = 2 - 3 * y * n3 / n2;
        double d3 = 3 - 4 * y * n4 / n3;
        // Keep each discount in (0, count) so that no seen n-gram loses all its mass.
        return [Math.Clamp(d1, 0.01, 0.99), Math.Clamp(d2, 0.01, 1.99), Math.Clamp(d3, 0.01, 2.99)];
    }
}
