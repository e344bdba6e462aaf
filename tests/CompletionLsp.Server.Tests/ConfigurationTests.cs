using CompletionLsp.Server.Protocol;
using CompletionLsp.Server.Tests.Harness;

namespace CompletionLsp.Server.Tests;

public class ConfigurationTests
{
    [Fact]
    public async Task Unknown_model_names_and_bad_values_are_reported_not_fatal()
    {
        await using var c = new TestClient();
        await c.Initialize(initializationOptions: new { completionLsp = new { models = new[] { "ngram", "transformer" }, maxItems = "many", enable = true } });
        var shown = (await c.WaitFor(Methods.ShowMessage)).GetProperty("message").GetString()!;
        Assert.Contains("'transformer'", shown);
        Assert.Contains("maxItems", shown);
        var info = await c.Execute<ModelInfo>(CompletionLspMethods.ModelInfoCommand);
        Assert.Equal(["ngram"], info.Models);
    }

    [Fact]
    public async Task Models_choose_the_caches()
    {
        await using var c = new TestClient();
        await c.Initialize(initializationOptions: new { models = new[] { "ngram", "documentCache" } });
        Assert.Equal(["ngram", "documentCache"], (await c.Execute<ModelInfo>(CompletionLspMethods.ModelInfoCommand)).Models);
        Assert.True(c.Server.Engine.Options.UseDocumentCache);
        Assert.False(c.Server.Engine.Options.UseRecentFilesCache);
        await c.Notify(Methods.DidChangeConfiguration, new { settings = new { completionLsp = new { models = new[] { "ngram", "cache" }, inline = new { minProbability = 0.3 } } } });
        var info = await c.Execute<ModelInfo>(CompletionLspMethods.ModelInfoCommand); // not queued: wait for the change through a queued request
        await c.Complete("file:///none.cs", new Position(0, 0));
        Assert.True(c.Server.Engine.Options.UseRecentFilesCache);
        Assert.Equal(0.3, c.Server.Engine.Options.Line.MinProbability);
    }

    [Fact]
    public async Task A_new_model_path_in_the_settings_is_loaded()
    {
        var path = Path.Combine(TempDir.Create("cfg"), "model");
        CompletionLsp.Core.Training.Trainer.Train(new() { Root = Repo.FixtureRepo(2), AllFiles = true }).Save(path);
        await using var c = new TestClient();
        await c.Initialize();
        await c.WaitForStatus(ModelState.None);
        await c.Notify(Methods.DidChangeConfiguration, new { settings = new { completionLsp = new { modelPath = path } } });
        Assert.Equal(path, (await c.WaitForStatus(ModelState.Loaded)).GetProperty("modelPath").GetString());
    }
}
