using CompletionLsp.Core.Models;
using CompletionLsp.Core.Training;

namespace CompletionLsp.Cli;

/// <summary>Writes the token stream one file per line (tokens separated by spaces), as KenLM's lmplz and query read it.</summary>
public static class DumpTokensCommand
{
    public static int Run(IEnumerable<string> argv)
    {
        var a = new Args(argv, new HashSet<string>(), new HashSet<string> { "--split", "--model", "-m", "--out", "-o" });
        if (a.Positional.Count != 1) throw new UsageException("dump-tokens wants one folder");
        string split = a.Get("--split") ?? "train";
        if (split is not ("train" or "test" or "all")) throw new UsageException("--split is train, test or all");
        var corpus = Trainer.LoadCorpus(a.Positional[0], new(), null, default);
        var files = split switch { "train" => corpus.Train, "test" => corpus.Test, _ => corpus.Train.Concat(corpus.Test).ToList() };
        // With a model, tokens are written as the model sees them (rare ones as <unk>, rare literals as class tokens);
        // without one, literals outside a vocabulary built from the training split are classes and other words verbatim.
        var modelPath = a.Get("--model", "-m");
        Vocabulary vocab = modelPath != null ? ModelBundle.Load(modelPath).Vocabulary
            : Vocabulary.Build(corpus.Train.Select(f => f.Tokens), minCount: 1);
        using var output = a.Get("--out", "-o") is { } o ? new StreamWriter(o) : new StreamWriter(Console.OpenStandardOutput());
        foreach (var f in files)
        {
            var line = string.Join(' ', f.Tokens.Select(t =>
            {
                int id = vocab.Map(t);
                // KenLM reserves <unk>, <s>, </s>; its own <unk> handling applies to words it never saw.
                // lmplz refuses a literal <unk> in its input, so the model's unknown token is written as a plain word.
                var text = id == Vocabulary.Unk ? (modelPath != null ? "__unk__" : t.Text) : vocab[id];
                return text.Replace(' ', '\u2423').Replace('\t', '\u2409').Replace('\n', '\u2424').Replace('\r', '\u240D');
            }));
            output.WriteLine(line);
        }
        return 0;
    }
}
