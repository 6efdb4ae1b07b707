using Log.QueryNode.Auth;

namespace Log.QueryNode.Tests.Auth;

public sealed class CredentialStoreTests : IDisposable
{
    private readonly string dataDirectory = Directory.CreateTempSubdirectory("log-keys-").FullName;

    public void Dispose() => Directory.Delete(dataDirectory, recursive: true);

    [Fact]
    public void AddedKeysArePersistedOwnerOnlyAndSeenByAnotherInstance()
    {
        var store = new CredentialStore(dataDirectory);
        var admin = store.EnsureAdminKey(DateTimeOffset.UtcNow);
        Assert.NotNull(admin);
        Assert.Null(store.EnsureAdminKey(DateTimeOffset.UtcNow));
        var app = store.Add("arn:aws:iam::1:role/app", admin: false, DateTimeOffset.UtcNow);
        Assert.Matches("^LOG[A-Z2-7]{17}$", app.AccessKeyId);
        Assert.Equal(40, app.SecretAccessKey.Length);
        Assert.NotEqual(admin.SecretAccessKey, app.SecretAccessKey);

        var reader = new CredentialStore(dataDirectory);
        Assert.Equal(app, reader.Find(app.AccessKeyId));
        Assert.True(reader.Find(admin.AccessKeyId)!.Admin);
        Assert.Equal(2, reader.List().Count);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.FilePath));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
                File.GetUnixFileMode(Path.GetDirectoryName(store.FilePath)!));
        }
        Assert.False(File.Exists(store.FilePath + ".new"));
    }

    [Fact]
    public async Task ConcurrentAddsFromSeparateStoresLoseNoKey()
    {
        // Each store stands for a process (keys add run twice at once): each opens the files itself, so only the lock
        // file orders their read-modify-write of the credentials.
        const int writers = 6;
        const int keysPerWriter = 20;
        var start = new ManualResetEventSlim();
        Task<List<string>>[] adding = Enumerable.Range(0, writers).Select(writer => Task.Factory.StartNew(() =>
        {
            var store = new CredentialStore(dataDirectory);
            start.Wait();
            return Enumerable.Range(0, keysPerWriter).Select(index => store.Add($"p{writer}-{index}", admin: false, DateTimeOffset.UtcNow).AccessKeyId).ToList();
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        start.Set();
        List<string>[] added = await Task.WhenAll(adding);
        var listed = new CredentialStore(dataDirectory).List().Select(key => key.AccessKeyId).ToHashSet();
        Assert.Equal(writers * keysPerWriter, listed.Count);
        Assert.All(added.SelectMany(keys => keys), key => Assert.Contains(key, listed));
    }

    [Fact]
    public void RemovalIsSeenByARunningReader()
    {
        var writer = new CredentialStore(dataDirectory);
        var key = writer.Add("p", admin: false, DateTimeOffset.UtcNow);
        var reader = new CredentialStore(dataDirectory);
        Assert.NotNull(reader.Find(key.AccessKeyId));
        Assert.True(new CredentialStore(dataDirectory).Remove(key.AccessKeyId));
        Assert.Null(reader.Find(key.AccessKeyId));
        Assert.False(writer.Remove(key.AccessKeyId));
    }

    [Fact]
    public void MissingFileHoldsNoKeys()
    {
        var store = new CredentialStore(dataDirectory);
        Assert.Empty(store.List());
        Assert.Null(store.Find("LOGANYTHING"));
    }
}
