using CompletionLsp.Bench;

return await BenchCli.RunAsync(args);

namespace CompletionLsp.Bench
{
    public static class BenchCli
    {
        public const string Usage = """
            completion-lsp-bench: benchmarks (not tests) of completion-lsp

            Usage:
              completion-lsp-bench lsp-latency <corpus-dir> [--model FILE] [--server DLL] [--samples-per-file N] [--infill]
                                               [--max-files N] [--seed S] [--warmup N]
              completion-lsp-bench edit-soak [--edits 100000] [--seed N] [--model FILE] [--server DLL] [--file FILE]
              completion-lsp-bench flood [--requests 5000] [--cancel-every 2] [--rounds 3] [--model FILE] [--server DLL]
              completion-lsp-bench large-doc [--mb 60 [--mb 4 ...]] [--model FILE] [--server DLL]

            lsp-latency starts the real server process (`dotnet completion-lsp.dll serve`), opens the corpus's
            test-split files and simulates typing at sampled token positions: the rest of the line is deleted,
            0-2 characters of the token typed (one didChange each), then completion and inline completion are
            asked for (with --infill: one token mid-line is blanked instead, and completion asked at its place, where
            a bidirectional model re-ranks). Latency: request written to response read. Reports percentiles overall
            and by file size; opening each file (didOpen and a first request) is reported on its own.

            edit-soak starts the real server process and sends a long seeded sequence of incremental edits (typing,
            deletions, replacements, multi-line, at the edges, inside strings, comments and interpolations) with
            completion and inline completion requests in between; after every edit the server's text is compared
            with a reference. Reports requests served, desyncs, errors by code, crashes, RSS at start and end, and
            edits/s. Exit code 0 only with no desync, error or crash.

            flood sends thousands of completion requests without waiting (every N-th cancelled at once), then one more,
            and reports that one's latency, how long the flood took to drain, and how its requests were answered.

            large-doc opens one huge document at a time (a distinct name on every line; default 60 MiB, 4 MB twice and
            1 MiB), asks for a completion there and, right behind its didOpen, on another document; closes it and
            opens a dozen small ones in turn; reports RSS before, at the peak and after, managed heap and vocabulary
            size before, during and after, and the latencies.
            """;

        public static async Task<int> RunAsync(string[] args)
        {
            if (args.Length == 0 || args[0] is "-h" or "--help")
            {
                Console.WriteLine(Usage);
                return args.Length == 0 ? 2 : 0;
            }
            try
            {
                return args[0] switch
                {
                    "lsp-latency" => await LspLatency.RunAsync(args.Skip(1).ToArray()),
                    "edit-soak" => await EditSoak.RunCliAsync(args.Skip(1).ToArray()),
                    "flood" => await Flood.RunFloodCliAsync(args.Skip(1).ToArray()),
                    "large-doc" => await Flood.RunLargeDocCliAsync(args.Skip(1).ToArray()),
                    _ => throw new ArgumentException($"unknown benchmark '{args[0]}'"),
                };
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine("error: " + e.Message);
                Console.Error.WriteLine(Usage);
                return 2;
            }
        }
    }
}
