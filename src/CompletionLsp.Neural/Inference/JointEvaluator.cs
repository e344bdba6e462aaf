using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Eval;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Syntax;

namespace CompletionLsp.Neural.Inference;

/// <summary>
/// <see cref="Evaluator"/> for several models over one vocabulary at once, in the static and dynamic settings, with
/// the same per-token metrics. Every model is asked at the same position before moving on, so models that share
/// components (a mixture and its neural parts) and the two settings reuse each neural model's cached distribution
/// for the position: each neural network runs once per token instead of once per model and setting.
/// </summary>
public static class JointEvaluator
{
    /// <returns>results[setting][model name], settings "static" and/or "dynamic".</returns>
    public static Dictionary<string, Dictionary<string, EvalResult>> Evaluate(IReadOnlyList<(string Name, ILanguageModel Model)> models,
        IReadOnlyList<TokenizedFile> files, CacheOptions cacheOptions, bool staticSetting, bool dynamicSetting,
        CancellationToken ct = default, int maxTokensPerFile = int.MaxValue)
    {
        var settings = new List<string>();
        if (staticSetting) settings.Add("static");
        if (dynamicSetting) settings.Add("dynamic");
        var vocab = models[0].Model.Vocabulary;
        var partials = new EvalResult[files.Count][];
        int m = models.Count * settings.Count;
        // One file per core: more would outnumber the neural models' sessions (and the cores).
        Parallel.For(0, files.Count, new ParallelOptions { CancellationToken = ct, MaxDegreeOfParallelism = Environment.ProcessorCount }, fi =>
        {
            var f = files[fi];
            var results = Enumerable.Range(0, m).Select(_ => new EvalResult()).ToArray();
            var ids = new int[f.Tokens.Length + 2];
            ids[0] = Vocabulary.Bos;
            for (int i = 0; i < f.Tokens.Length; i++) ids[i + 1] = vocab.Map(f.Tokens[i]);
            ids[^1] = Vocabulary.Eos;
            // One document cache serves every dynamic model: its counts depend only on the file's tokens.
            var cache = dynamicSetting ? new NGramCache(cacheOptions.Order) : null;
            var scored = new ILanguageModel[m];
            int k = 0;
            foreach (var s in settings)
                foreach (var (_, model) in models)
                    scored[k++] = s == "dynamic" ? new CachedModel(model, null, cache, cacheOptions) : model;
            var top = new List<ScoredToken>(16);
            int limit = (int)Math.Min(ids.Length, (long)maxTokensPerFile + 1);
            for (int i = 1; i < limit; i++)
            {
                var ctx = ids.AsSpan(0, i);
                int w = ids[i];
                for (int j = 0; j < m; j++)
                    results[j].Record(scored[j], ctx, w, i <= f.Tokens.Length ? f.Tokens[i - 1].Kind : null, ranks: true, top);
                cache?.Update(ids, i, i + 1, +1);
            }
            partials[fi] = results;
        });
        var total = new Dictionary<string, Dictionary<string, EvalResult>>();
        int q = 0;
        foreach (var s in settings)
        {
            var d = total[s] = new Dictionary<string, EvalResult>();
            foreach (var (name, _) in models)
            {
                var r = new EvalResult();
                foreach (var p in partials) r.Add(p[q]);
                d[name] = r;
                q++;
            }
        }
        return total;
    }
}
