namespace CompletionLsp.Server;

/// <summary>
/// Orders work like Roslyn's request queue: a mutating item (a document edit, a settings change) starts after every
/// item queued before it has finished, and items after it wait for it; queries (completions) queued between two
/// mutations run concurrently. Items must be queued in the order the messages arrived (StreamJsonRpc invokes
/// handlers in order, so queue before the first await).
/// </summary>
public sealed class RequestQueue
{
    private readonly object _gate = new();
    private Task _lastMutation = Task.CompletedTask;
    private readonly List<Task> _queriesSince = new();

    public Task<T> Mutate<T>(Func<Task<T>> work)
    {
        lock (_gate)
        {
            _queriesSince.RemoveAll(t => t.IsCompleted);
            Task before = _queriesSince.Count == 0 ? _lastMutation : Task.WhenAll(_queriesSince.Append(_lastMutation).Select(Settled));
            var t = Then(before, work);
            _lastMutation = t;
            _queriesSince.Clear();
            return t;
        }
    }

    public Task<T> Query<T>(Func<Task<T>> work)
    {
        lock (_gate)
        {
            var t = Then(_lastMutation, work);
            _queriesSince.Add(t);
            return t;
        }
    }

    /// <summary>A task that completes when all queued work so far has finished.</summary>
    public Task Drain() => Mutate(() => Task.FromResult(0));

    private static Task Settled(Task t) => t.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private static Task<T> Then<T>(Task before, Func<Task<T>> work) =>
        before.ContinueWith(_ => work(), CancellationToken.None, TaskContinuationOptions.DenyChildAttach, TaskScheduler.Default).Unwrap();
}
