using CompletionLsp.Core.Corpus;

namespace CompletionLsp.Core.Models;

/// <summary>Counts a model from tokenized files: vocabulary, n-grams and spacing (no I/O, no cache tuning). The
/// trainer builds with it, and so does the engine's model of the open documents.</summary>
public static class BundleBuilder
{
    public static ModelBundle Build(IReadOnlyList<TokenizedFile> train, NGramOptions ngram, int minCount, CancellationToken ct = default)
    {
        var vocab = Vocabulary.Build(train.Select(f => f.Tokens), minCount);
        var ids = train.Select(f => vocab.MapAll(f.Tokens)).ToList();
        ct.ThrowIfCancellationRequested();
        var counts = NGramBuilder.Build(ids, ngram.Order, vocab.Count, ct);
        var model = new NGramModel(vocab, counts, ngram);
        var spacing = Spacing.Learn(vocab, train);
        return new ModelBundle { Vocabulary = vocab, NGram = model, Spacing = spacing, Info = new TrainingInfo { MinCount = minCount } };
    }
}
