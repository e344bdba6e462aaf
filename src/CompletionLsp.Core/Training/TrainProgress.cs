namespace CompletionLsp.Core.Training;

public enum TrainStage { Walking, Tokenizing, Counting, Tuning, Done }

public readonly record struct TrainProgress(TrainStage Stage, int FilesDone, int FilesTotal, long Tokens, TimeSpan Elapsed);
