using System.CommandLine;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Training;

namespace CompletionLsp.Cli;

/// <summary>Writes the token stream one file per line (tokens separated by spaces), as KenLM's lmplz and query read it.</summary>
public static class DumpTokensCommand
{
    private static readonly Argument<string> Dir = Opt.Arg("dir", "The repository whose tokens to write.");
    private static readonly Option<string> Split = Opt.Choice("--split", "Which files: the training split, the test split or all.", "train", ["train", "test", "all"]);
    private static readonly Option<string?> Model = Opt.Text("--model", "FILE", "Write tokens as this model sees them (rare words as __unk__, literals as classes).", "-m");
    private static readonly Option<string?> Out = Opt.Text("--out", "FILE", "Write to FILE [default: standard output].", "-o");

    public static Command Build()
    {
        var c = new Command("dump-tokens", "Write a repository's tokens, one file per line and separated by spaces (as KenLM's lmplz and query read them).")
        {
            Dir, Split, Model, Out,
        };
        c.SetAction(Run);
        return c;
    }

    public static int Run(ParseResult a)
    {
        string dir = a.GetValue(Dir)!;
        if (!Directory.Exists(dir)) throw new UsageException($"no such folder: {dir}");
        string split = a.GetValue(Split)!;
        var corpus = Trainer.LoadCorpus(dir, new(), null, default);
        var files = split switch { "train" => corpus.Train, "test" => corpus.Test, _ => corpus.Train.Concat(corpus.Test).ToList() };
        // With a model, tokens are written as the model sees them (rare ones as <unk>, rare literals as class tokens);
        // without one, literals outside a vocabulary built from the training split are classes and other words verbatim.
        var modelPath = a.GetValue(Model);
        Vocabulary vocab = modelPath != null ? ModelBundle.Load(modelPath).Vocabulary
            : Vocabulary.Build(corpus.Train.Select(f => f.Tokens), minCount: 1);
        using var output = a.GetValue(Out) is { } o ? new StreamWriter(o) : new StreamWriter(Console.OpenStandardOutput());
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
