namespace CompletionLsp.Core.Training;

public enum TrainStage { Walking, Tokenizing, Counting, Tuning, Done }

public readonly record struct TrainProgress(TrainStage Stage, int FilesDone, int FilesTotal, long Tokens, TimeSpan Elapsed);

/// <summary>The words for training's progress: one source for the CLI's progress lines and the server's $/progress.</summary>
public static class TrainStages
{
    /// <summary>The stage in one word (the CLI's progress column).</summary>
    public static string Name(TrainStage stage) => stage switch
    {
        TrainStage.Walking => "walking",
        TrainStage.Tokenizing => "tokenizing",
        TrainStage.Counting => "counting",
        TrainStage.Tuning => "tuning",
        _ => "done",
    };

    /// <summary>What training is doing, with the figures so far (the server's $/progress message).</summary>
    public static string Describe(TrainProgress p) =>
        p.Stage is TrainStage.Tokenizing or TrainStage.Counting ? $"{Name(p.Stage)} {Details(p)}" : Details(p);

    /// <summary>The figures of a stage, for a line that already shows <see cref="Name"/> (the CLI's progress).</summary>
    public static string Details(TrainProgress p) => p.Stage switch
    {
        TrainStage.Walking => "finding .cs files",
        TrainStage.Tokenizing => $"{p.FilesDone}/{p.FilesTotal} files, {p.Tokens:N0} tokens",
        TrainStage.Counting => $"n-grams of {p.Tokens:N0} tokens in {p.FilesDone} files",
        TrainStage.Tuning => "fitting the cache on held-out training files",
        _ => $"trained on {p.FilesDone} files, {p.Tokens:N0} tokens in {p.Elapsed.TotalSeconds:F1} s",
    };
}
