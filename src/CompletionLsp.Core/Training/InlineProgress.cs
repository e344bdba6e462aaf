namespace CompletionLsp.Core.Training;

/// <summary>An IProgress that reports on the calling thread (Progress&lt;T&gt; posts to a context).</summary>
public sealed class InlineProgress<T>(Action<T> action) : IProgress<T>
{
    public void Report(T value) => action(value);
}
