using System.Text.Json;
using CompletionLsp.Core.Models;
using CompletionLsp.Core.Training;
using CompletionLsp.Server.Protocol;
using CompletionLsp.Server.Tests.Harness;
using StreamJsonRpc;

namespace CompletionLsp.Server.Tests;

public class ModelTests
{
    private const string Fixture = "class C\n{\n    int counterOfThings;\n    void M() { counterOfThings = 1; count$0 }\n}";

    private static string Train(string root, string path)
    {
        Trainer.Train(new TrainOptions { Root = root, AllFiles = true }).Save(path);
        return path;
    }

    /// <summary>Completion answers; without a trained model, from the open document alone.</summary>
    private static async Task CompletesFromTheDocument(TestClient c, bool trained = false)
    {
        var (text, caret) = LspFixture.Parse(Fixture);
        await c.Open(Check.Uri, text);
        var list = await c.Complete(Check.Uri, caret);
        if (!trained) Assert.Equal("counterOfThings", list.Items[0].Label);
        Assert.NotEmpty(list.Items);
        Assert.All(list.Items, i => Assert.StartsWith("count", i.Label, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("CLSPMODL truncated")]
    [InlineData("")]
    public async Task A_corrupt_model_file_is_reported_and_the_server_still_answers(string content)
    {
        var path = Path.Combine(TempDir.Create("corrupt"), "model");
        File.WriteAllText(path, content);
        await using var c = new TestClient(new ServerOptions { ModelPath = path });
        await c.Initialize();
        var status = await c.WaitForStatus(ModelState.Error);
        Assert.Equal(path, status.GetProperty("modelPath").GetString());
        var shown = await c.WaitFor(Methods.ShowMessage);
        Assert.Equal(MessageType.Warning, shown.GetProperty("type").GetInt32());
        Assert.Contains(path, shown.GetProperty("message").GetString());
        await CompletesFromTheDocument(c);
        Assert.False((await c.Execute<ModelInfo>(CompletionLspMethods.ModelInfoCommand)).Loaded);
    }

    [Fact]
    public async Task A_missing_model_offers_training_which_loads_the_new_model()
    {
        var root = Repo.FixtureRepo(4);
        await using var c = new TestClient { MessageAction = "Train model" };
        await c.Initialize(new Uri(root).AbsoluteUri, capabilities: TestClient.DefaultCapabilities(messageActions: true));
        var offer = await c.WaitFor(Methods.ShowMessageRequest);
        Assert.Contains(".completion-lsp", offer.GetProperty("message").GetString());
        await c.WaitForStatus(ModelState.Training);
        var loaded = await c.WaitForStatus(ModelState.Loaded);
        Assert.Equal(Path.Combine(root, ".completion-lsp", "model"), loaded.GetProperty("modelPath").GetString());
        Assert.True(File.Exists(Path.Combine(root, ".completion-lsp", "model")));
        var info = await c.Execute<ModelInfo>(CompletionLspMethods.ModelInfoCommand);
        Assert.True(info.Loaded);
        Assert.Equal(4, info.Files);
    }

    [Fact]
    public async Task Train_reports_progress_on_the_clients_token_and_loads_the_model()
    {
        var root = Repo.FixtureRepo(6);
        await using var c = new TestClient();
        await c.Initialize(new Uri(root).AbsoluteUri);
        await c.WaitForStatus(ModelState.None);
        var result = await c.Execute<TrainResult>(CompletionLspMethods.TrainCommand, [new { root }], workDoneToken: "my-token");
        Assert.Equal(Path.Combine(root, ".completion-lsp", "model"), result.ModelPath);
        Assert.Equal(6, result.Files);
        Assert.True(result.Tokens > 100);
        Assert.True(result.Seconds >= 0);
        var progress = c.Received(Methods.Progress);
        Assert.All(progress, p => Assert.Equal("my-token", p.GetProperty("token").GetString()));
        var kinds = progress.Select(p => p.GetProperty("value").GetProperty("kind").GetString()).ToList();
        Assert.Equal("begin", kinds[0]);
        Assert.Equal("end", kinds[^1]);
        Assert.Contains("report", kinds);
        Assert.Empty(c.Received(Methods.WorkDoneProgressCreate));
        await c.WaitForStatus(ModelState.Training);
        await c.WaitFor(CompletionLspMethods.Status, s => s.GetProperty("state").GetString() == ModelState.Loaded);

        var info = await c.Execute<ModelInfo>(CompletionLspMethods.ModelInfoCommand);
        Assert.True(info.Loaded);
        Assert.Equal(result.ModelPath, info.Path);
        Assert.Equal(6, info.Files);
        Assert.Equal(result.Tokens, info.Tokens);
        Assert.Equal(Path.GetFullPath(root), info.SourceRoot);
        Assert.Equal(6, info.Order);
        Assert.Equal("kneser-ney", info.Smoothing);
        Assert.True(info.Vocabulary > 10);
        Assert.NotNull(info.CreatedUtc);
        Assert.Equal(["ngram", "documentCache", "recentFilesCache"], info.Models);
    }

    [Fact]
    public async Task Train_without_a_token_creates_one_when_the_client_supports_progress()
    {
        var root = Repo.FixtureRepo(2);
        await using var c = new TestClient();
        await c.Initialize(new Uri(root).AbsoluteUri);
        await c.Execute<TrainResult>(CompletionLspMethods.TrainCommand);
        var created = await c.WaitFor(Methods.WorkDoneProgressCreate);
        var token = created.GetProperty("token").GetString();
        Assert.All(c.Received(Methods.Progress), p => Assert.Equal(token, p.GetProperty("token").GetString()));
        Assert.NotEmpty(c.Received(Methods.Progress));
    }

    /// <summary>Training is held at its start (a test hook) until cancelled, so each cancel finds a training to stop.</summary>
    [Fact]
    public async Task Training_is_cancelled_by_cancelRequest_and_by_the_progress_cancel_button()
    {
        var root = Repo.FixtureRepo(20, "big");
        string rootJson = JsonSerializer.Serialize(root);
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var c = new RawConnection(new ServerOptions { BeforeTraining = ct => hold.Task.WaitAsync(ct) });
        await c.Initialize();
        static bool Training(JsonElement s) => s.GetProperty("state").GetString() == ModelState.Training;

        await c.Send("""{"jsonrpc":"2.0","id":10,"method":"workspace/executeCommand","params":{"command":"completionLsp.train","arguments":[{"root":""" + rootJson + """}],"workDoneToken":"t1"}}""");
        await c.ReadNotification(CompletionLspMethods.Status, Training);
        await c.Send("""{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":10}}""");
        var first = await c.ReadResponse(10);
        Assert.Equal(LspErrorCodes.RequestCancelled, first.GetProperty("error").GetProperty("code").GetInt32());

        await c.Send("""{"jsonrpc":"2.0","id":11,"method":"workspace/executeCommand","params":{"command":"completionLsp.train","arguments":[{"root":""" + rootJson + """}],"workDoneToken":"t2"}}""");
        await c.ReadNotification(CompletionLspMethods.Status, Training);
        await c.Send("""{"jsonrpc":"2.0","method":"window/workDoneProgress/cancel","params":{"token":"t2"}}""");
        var second = await c.ReadResponse(11);
        Assert.Equal(LspErrorCodes.ServerCancelled, second.GetProperty("error").GetProperty("code").GetInt32());

        Assert.False(File.Exists(Path.Combine(root, ".completion-lsp", "model")));
        await c.Send("""{"jsonrpc":"2.0","id":12,"method":"workspace/executeCommand","params":{"command":"completionLsp.modelInfo"}}""");
        Assert.False((await c.ReadResponse(12)).GetProperty("result").GetProperty("loaded").GetBoolean());
        hold.SetResult();
    }

    [Fact]
    public async Task Cancelled_training_ends_its_progress_and_the_server_goes_on()
    {
        var root = Repo.FixtureRepo(20, "big2");
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var c = new TestClient(new ServerOptions { BeforeTraining = ct => hold.Task.WaitAsync(ct) });
        await c.Initialize(new Uri(root).AbsoluteUri);
        var training = c.Execute<TrainResult>(CompletionLspMethods.TrainCommand, workDoneToken: "t3");
        await c.WaitForStatus(ModelState.Training);
        await c.Notify(Methods.WorkDoneProgressCancel, new { token = "t3" });
        var e = await Assert.ThrowsAsync<RemoteInvocationException>(() => training);
        Assert.Equal(LspErrorCodes.ServerCancelled, e.ErrorCode);
        await c.WaitFor(Methods.Progress, p => p.GetProperty("token").GetString() == "t3" && p.GetProperty("value").GetProperty("kind").GetString() == "end");
        await CompletesFromTheDocument(c);
        await c.WaitForStatus(ModelState.None);
        hold.SetResult();
    }

    [Fact]
    public async Task Completions_are_answered_while_training_runs()
    {
        var root = Repo.FixtureRepo(20, "busy");
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var c = new TestClient(new ServerOptions { BeforeTraining = ct => hold.Task.WaitAsync(ct) });
        await c.Initialize(new Uri(root).AbsoluteUri);
        var training = c.Execute<TrainResult>(CompletionLspMethods.TrainCommand, workDoneToken: "busy");
        await c.WaitForStatus(ModelState.Training);
        await CompletesFromTheDocument(c);
        Assert.False(training.IsCompleted);
        var twice = await Assert.ThrowsAsync<RemoteInvocationException>(() => c.Execute<TrainResult>(CompletionLspMethods.TrainCommand));
        Assert.Equal(LspErrorCodes.RequestFailed, twice.ErrorCode);
        hold.SetResult();
        Assert.Equal(20, (await training).Files);
    }

    [Fact]
    public async Task A_model_rewritten_on_disk_is_reloaded_and_a_broken_rewrite_keeps_the_old_one()
    {
        var dir = TempDir.Create("reload");
        var path = Train(Repo.FixtureRepo(3), Path.Combine(dir, "model"));
        await using var c = new TestClient(new ServerOptions { ModelPath = path, ModelCheckInterval = TimeSpan.FromMilliseconds(100) });
        await c.Initialize();
        await c.WaitForStatus(ModelState.Loaded);
        Assert.Equal(3, (await c.Execute<ModelInfo>(CompletionLspMethods.ModelInfoCommand)).Files);

        // As after `completion-lsp train` from the command line: a new file renamed over the old one.
        Train(Repo.FixtureRepo(5), path);
        await c.WaitFor(CompletionLspMethods.Status, s => s.GetProperty("message").GetString()!.StartsWith("5 files"));
        Assert.Equal(5, (await c.Execute<ModelInfo>(CompletionLspMethods.ModelInfoCommand)).Files);

        File.WriteAllText(path, "not a model any more");
        await c.WaitFor(Methods.LogMessage, m => m.GetProperty("message").GetString()!.Contains("could not reload"));
        var info = await c.Execute<ModelInfo>(CompletionLspMethods.ModelInfoCommand);
        Assert.True(info.Loaded);
        Assert.Equal(5, info.Files);
        await CompletesFromTheDocument(c, trained: true);
    }

    [Fact]
    public async Task The_model_comes_from_the_command_line_else_settings_else_the_workspace()
    {
        var workspace = Repo.FixtureRepo(2);
        var fromWorkspace = Train(workspace, Path.Combine(workspace, ".completion-lsp", "model"));
        var fromSettings = Train(Repo.FixtureRepo(3), Path.Combine(TempDir.Create("settings"), "m"));
        var fromCli = Train(Repo.FixtureRepo(4), Path.Combine(TempDir.Create("cli"), "m"));

        async Task<string?> Loaded(ServerOptions o, object? init)
        {
            await using var c = new TestClient(o);
            await c.Initialize(new Uri(workspace).AbsoluteUri, init);
            return (await c.WaitForStatus(ModelState.Loaded)).GetProperty("modelPath").GetString();
        }
        Assert.Equal(fromCli, await Loaded(new ServerOptions { ModelPath = fromCli }, new { modelPath = fromSettings }));
        Assert.Equal(fromSettings, await Loaded(new ServerOptions(), new { completionLsp = new { modelPath = fromSettings } }));
        Assert.Equal(fromWorkspace, await Loaded(new ServerOptions(), null));
    }
}
