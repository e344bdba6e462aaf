using System.Text;
using CompletionLsp.Core.Corpus;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Syntax;
using CompletionLsp.Core.Training;
using CompletionLsp.Neural;
using CompletionLsp.Neural.Data;

[assembly: CollectionBehavior(DisableTestParallelization = true)] // tensor-count checks need a quiet process

namespace CompletionLsp.Neural.Tests;

/// <summary>A small generated C# corpus with strong regularities, and tiny model settings that train in seconds.</summary>
public static class TinyCorpus
{
    private static readonly string[] Types = ["int", "string", "bool", "double", "List<int>"];
    private static readonly string[] Names = ["Count", "Name", "Value", "Total", "Index", "Items", "Flag", "Size"];

    public static string File(int seed, int members = 12)
    {
        var r = new Random(seed);
        var sb = new StringBuilder();
        sb.AppendLine("using System;");
        sb.AppendLine($"namespace Demo{seed % 3};");
        sb.AppendLine($"public class C{seed}");
        sb.AppendLine("{");
        for (int i = 0; i < members; i++)
        {
            string t = Types[r.Next(Types.Length)], n = Names[r.Next(Names.Length)];
            switch (r.Next(3))
            {
                case 0: sb.AppendLine($"    public {t} {n} {{ get; set; }}"); break;
                case 1: sb.AppendLine($"    private {t} _{n.ToLowerInvariant()};"); break;
                default: sb.AppendLine($"    public void Set{n}({t} value) {{ this.{n} = value; }}"); break;
            }
        }
        sb.AppendLine("}");
        return sb.ToString();
    }

    public static List<TokenizedFile> Files(int count, int offset = 0, int members = 12) => Enumerable.Range(offset, count).Select(i =>
    {
        var text = File(i, members);
        var toks = CSharpLexer.Lex(text).ToArray();
        return new TokenizedFile($"src/F{i}.cs", toks, TokenizedFile.ComputeGaps(text, toks));
    }).ToList();

    public static ModelBundle Bundle(List<TokenizedFile> train) =>
        Trainer.Build(train, new TrainOptions { Root = ".", Order = 4, MinCount = 1 });

    public static List<int[]> Ids(Vocabulary v, IEnumerable<TokenizedFile> files) => files.Select(f => TokenData.FileIds(v, f)).ToList();

    public static NeuralOptions Options => new()
    {
        Embedding = 16, Hidden = 32, Layers = 1, Dropout = 0, Window = 4, Bptt = 16, BatchSize = 4,
        LearningRate = 1e-2, Epochs = 3, ValidateEverySeconds = 1e9, Patience = 5, Seed = 7, Device = "cpu", Threads = 1,
    };
}
