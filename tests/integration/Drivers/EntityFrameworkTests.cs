using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace Log.Integration.Tests.Drivers;

/// <summary>
/// EF Core (Npgsql.EntityFrameworkCore.PostgreSQL) as an application uses it: a migration written as code applied with
/// Migrate (its history table, LOCK TABLE and DDL in one transaction), a model with a one-to-many and a many-to-many
/// relation, identity keys, unique indexes and a value-converted column, LINQ queries (joins, Include/ThenInclude,
/// GroupBy with aggregates, Skip/Take, Contains on a list, string functions), and SaveChanges under an execution
/// strategy that retries 40001. What each query must return is computed from the seeded data in memory. Run with
/// LOG_DRIVERS_AGAINST_POSTGRESQL=1 to check the same flow against PostgreSQL 15.
/// </summary>
[Collection(DriverCollection.Name)]
public sealed class EntityFrameworkTests(DriverServerFixture fixture) : IClassFixture<DriverServerFixture>
{
    private const int RetriesMax = 5;

    private static readonly SeedBlog[] Seed =
    [
        new("Log", "https://log.example", 4, [new("Hello", " First post ", ["csharp", "sql"]), new("Second", "More", ["sql"])]),
        new("Other", "https://other.example", 2, [new("Third", "x", ["csharp"]), new("Heap", "Pages and more", [])]),
        new("Empty", "https://empty.example", 5, []),
    ];

    private DbContextOptions<BloggingContext> Options() => new DbContextOptionsBuilder<BloggingContext>()
        .UseNpgsql(fixture.Target.Npgsql("Pooling=false;SSL Mode=Disable;"), npgsql => npgsql
            .MigrationsHistoryTable(BloggingContext.HistoryTable)
            .EnableRetryOnFailure(RetriesMax, TimeSpan.FromMilliseconds(100), ["40001"]))
        .Options;

    [DriverFact]
    public async Task MigrationThenQueriesWithRelationsAnswerWhatWasSaved()
    {
        await RecreateSchemaAsync();
        try
        {
            await using (var context = new BloggingContext(Options()))
            {
                Assert.Equal([InitialMigration.Id], await context.Database.GetAppliedMigrationsAsync());
                Assert.Empty(await context.Database.GetPendingMigrationsAsync());
                await context.Database.MigrateAsync(); // nothing left to apply: a no-op
            }
            await SaveSeedAsync();

            await using var db = new BloggingContext(Options());
            List<Blog> blogs = await db.Blogs.Include(blog => blog.Posts).ThenInclude(post => post.Tags).OrderBy(blog => blog.Name).ToListAsync();
            Assert.Equal(Seed.Select(blog => blog.Name).Order(StringComparer.Ordinal), blogs.Select(blog => blog.Name));
            Assert.Equal(Seed.Length, blogs.Select(blog => blog.Id).Distinct().Count());
            foreach (Blog blog in blogs)
            {
                SeedBlog seed = Seed.Single(candidate => candidate.Name == blog.Name);
                Assert.Equal(seed.Stars, blog.Rating.Stars);
                Assert.Equal(seed.Posts.Select(post => post.Title).Order(StringComparer.Ordinal), blog.Posts.Select(post => post.Title).Order(StringComparer.Ordinal));
                foreach (Post post in blog.Posts)
                {
                    Assert.Equal(seed.Posts.Single(candidate => candidate.Title == post.Title).Tags.Order(StringComparer.Ordinal),
                        post.Tags.Select(tag => tag.Name).Order(StringComparer.Ordinal));
                }
            }

            var joined = await (from post in db.Posts join blog in db.Blogs on post.BlogId equals blog.Id orderby post.Title select new { post.Title, blog.Name }).ToListAsync();
            Assert.Equal(Seed.SelectMany(blog => blog.Posts.Select(post => $"{post.Title}/{blog.Name}")).Order(StringComparer.Ordinal),
                joined.Select(row => $"{row.Title}/{row.Name}"));

            var groups = await db.Posts.GroupBy(post => post.Blog.Name)
                .Select(group => new { Name = group.Key, Count = group.Count(), Longest = group.Max(post => post.Title.Length), Letters = group.Sum(post => post.Body.Length) })
                .OrderBy(group => group.Name).ToListAsync();
            Assert.Equal(Seed.Where(blog => blog.Posts.Length > 0).OrderBy(blog => blog.Name, StringComparer.Ordinal)
                    .Select(blog => $"{blog.Name}:{blog.Posts.Length}:{blog.Posts.Max(post => post.Title.Length)}:{blog.Posts.Sum(post => post.Body.Length)}"),
                groups.Select(group => $"{group.Name}:{group.Count}:{group.Longest}:{group.Letters}"));

            List<string> page = await db.Posts.OrderBy(post => post.Title).Skip(1).Take(2).Select(post => post.Title).ToListAsync();
            Assert.Equal(Seed.SelectMany(blog => blog.Posts).Select(post => post.Title).Order(StringComparer.Ordinal).Skip(1).Take(2), page);

            var wanted = new List<string> { "Log", "Empty", "Missing" };
            List<string> found = await db.Blogs.Where(blog => wanted.Contains(blog.Name)).OrderBy(blog => blog.Name).Select(blog => blog.Name).ToListAsync();
            Assert.Equal(Seed.Select(blog => blog.Name).Where(wanted.Contains).Order(StringComparer.Ordinal), found);

            List<string> texts = await db.Posts.Where(post => post.Title.ToUpper().StartsWith("HE") || post.Body.Contains("ore"))
                .OrderBy(post => post.Title)
                .Select(post => post.Title.ToLower() + "/" + post.Title.Substring(1, 2) + "/" + post.Body.Trim().Length)
                .ToListAsync();
            Assert.Equal(Seed.SelectMany(blog => blog.Posts)
                    .Where(post => post.Title.ToUpperInvariant().StartsWith("HE", StringComparison.Ordinal) || post.Body.Contains("ore", StringComparison.Ordinal))
                    .OrderBy(post => post.Title, StringComparer.Ordinal)
                    .Select(post => post.Title.ToLowerInvariant() + "/" + post.Title.Substring(1, 2) + "/" + post.Body.Trim().Length),
                texts);

            // The value converter turns the comparison into one on the integer column.
            List<string> topRated = await db.Blogs.Where(blog => blog.Rating == new Rating(4)).Select(blog => blog.Name).ToListAsync();
            Assert.Equal(Seed.Where(blog => blog.Stars == 4).Select(blog => blog.Name), topRated);

            var tagUse = await db.Tags.Select(tag => new { tag.Name, Posts = tag.Posts.Count() }).OrderBy(tag => tag.Name).ToListAsync();
            Assert.Equal(Seed.SelectMany(blog => blog.Posts).SelectMany(post => post.Tags).GroupBy(tag => tag).OrderBy(group => group.Key, StringComparer.Ordinal)
                    .Select(group => $"{group.Key}:{group.Count()}"),
                tagUse.Select(tag => $"{tag.Name}:{tag.Posts}"));

            // The unique index on the URL holds through SaveChanges.
            db.Blogs.Add(new Blog { Name = "Copy", Url = Seed[0].Url, Rating = new Rating(1) });
            var duplicate = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
            Assert.Equal(PostgresErrorCodes.UniqueViolation, Assert.IsType<PostgresException>(duplicate.InnerException).SqlState);
        }
        finally
        {
            await DropSchemaAsync();
        }
    }

    [DriverFact]
    public async Task RacingSaveChangesBothLandThroughTheRetryingStrategy()
    {
        await RecreateSchemaAsync();
        try
        {
            await SaveSeedAsync();
            int blogId;
            await using (var db = new BloggingContext(Options()))
            {
                blogId = (await db.Blogs.SingleAsync(blog => blog.Name == Seed[0].Name)).Id;
            }
            // Both read the row before either writes; the first commits, then the second writes and commits. Its commit
            // (Log: OC000, at its UPDATE when the replica already has the first's row, else at COMMIT) or its UPDATE (PostgreSQL at REPEATABLE READ) fails with 40001, and the execution
            // strategy runs the whole transaction again on fresh data.
            var firstRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var secondRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var firstCommitted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Task<int> first = IncrementVisitsAsync(blogId, async () => { firstRead.SetResult(); await secondRead.Task; }, firstCommitted.SetResult);
            Task<int> second = IncrementVisitsAsync(blogId, async () => { secondRead.SetResult(); await firstRead.Task; await firstCommitted.Task; }, () => { });
            int[] attempts = await Task.WhenAll(first, second);

            Assert.Equal([1, 2], attempts);
            await using var check = new BloggingContext(Options());
            Assert.Equal(2, (await check.Blogs.SingleAsync(blog => blog.Id == blogId)).Visits);
        }
        finally
        {
            await DropSchemaAsync();
        }
    }

    [DriverFact]
    public async Task AFailedSaveChangesRollsBackToItsSavepointAndTheTransactionGoesOn()
    {
        await RecreateSchemaAsync();
        try
        {
            await SaveSeedAsync();
            await using var db = new BloggingContext(Options());
            Assert.True(db.Database.AutoSavepointsEnabled);
            // The retrying strategy runs the transaction as one unit; this one commits at its first attempt.
            IExecutionStrategy strategy = db.Database.CreateExecutionStrategy();
            await strategy.ExecuteAsync(async () =>
            {
                db.ChangeTracker.Clear();
                await using var transaction = await db.Database.BeginTransactionAsync();
                db.Blogs.Add(new Blog { Name = "Kept", Url = "https://kept.example", Rating = new Rating(3) });
                await db.SaveChangesAsync();
                // EF Core wraps this SaveChanges in SAVEPOINT "__EFSavePoint" and rolls back to it when it fails.
                var duplicate = new Blog { Name = "Copy", Url = Seed[0].Url, Rating = new Rating(1) };
                db.Blogs.Add(duplicate);
                var error = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
                Assert.Equal(PostgresErrorCodes.UniqueViolation, Assert.IsType<PostgresException>(error.InnerException).SqlState);
                db.Entry(duplicate).State = EntityState.Detached;
                db.Blogs.Add(new Blog { Name = "After", Url = "https://after.example", Rating = new Rating(2) });
                await db.SaveChangesAsync();
                await transaction.CommitAsync();
            });
            await using var check = new BloggingContext(Options());
            Assert.Equal(["After", "Kept"], await check.Blogs.Where(blog => blog.Name == "Kept" || blog.Name == "After" || blog.Name == "Copy")
                .OrderBy(blog => blog.Name).Select(blog => blog.Name).ToListAsync());
        }
        finally
        {
            await DropSchemaAsync();
        }
    }

    /// <summary>Adds one to a blog's visits in a transaction the execution strategy retries; the first attempt waits
    /// in <paramref name="afterFirstRead"/> between its read and its write. Returns how many attempts it took.</summary>
    private async Task<int> IncrementVisitsAsync(int blogId, Func<Task> afterFirstRead, Action afterFirstCommit)
    {
        // SaveChanges inside the application's transaction makes a savepoint of its own (EF Core's default).
        await using var db = new BloggingContext(Options());
        IExecutionStrategy strategy = db.Database.CreateExecutionStrategy();
        int attempt = 0;
        await strategy.ExecuteAsync(async () =>
        {
            attempt++;
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
            Blog blog = await db.Blogs.SingleAsync(candidate => candidate.Id == blogId);
            if (attempt == 1) await afterFirstRead();
            blog.Visits++;
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
            if (attempt == 1) afterFirstCommit();
        });
        return attempt;
    }

    private async Task SaveSeedAsync()
    {
        await using var db = new BloggingContext(Options());
        var tags = Seed.SelectMany(blog => blog.Posts).SelectMany(post => post.Tags).Distinct().ToDictionary(name => name, name => new Tag { Name = name });
        foreach (SeedBlog seed in Seed)
        {
            var blog = new Blog { Name = seed.Name, Url = seed.Url, Rating = new Rating(seed.Stars) };
            foreach (SeedPost post in seed.Posts)
            {
                var entity = new Post { Title = post.Title, Body = post.Body };
                entity.Tags.AddRange(post.Tags.Select(name => tags[name]));
                blog.Posts.Add(entity);
            }
            db.Blogs.Add(blog);
        }
        int written = await db.SaveChangesAsync();
        int links = Seed.SelectMany(blog => blog.Posts).Sum(post => post.Tags.Length);
        Assert.Equal(Seed.Length + Seed.Sum(blog => blog.Posts.Length) + tags.Count + links, written);
    }

    private async Task RecreateSchemaAsync()
    {
        await DropSchemaAsync();
        await using var context = new BloggingContext(Options());
        await context.Database.MigrateAsync();
    }

    private async Task DropSchemaAsync()
    {
        await using var connection = new NpgsqlConnection(fixture.Target.Npgsql("Pooling=false;SSL Mode=Disable;"));
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand(
            $"DROP TABLE IF EXISTS ef_post_tags, ef_posts, ef_tags, ef_blogs, {BloggingContext.HistoryTable}", connection);
        await drop.ExecuteNonQueryAsync();
    }

    private sealed record SeedBlog(string Name, string Url, int Stars, SeedPost[] Posts);

    private sealed record SeedPost(string Title, string Body, string[] Tags);
}

public sealed record Rating(int Stars);

public sealed class Blog
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public string Url { get; set; } = "";
    public Rating Rating { get; set; } = new(0);
    public int Visits { get; set; }
    public List<Post> Posts { get; } = [];
}

public sealed class Post
{
    public int Id { get; set; }
    public int BlogId { get; set; }
    public Blog Blog { get; set; } = null!;
    public string Title { get; set; } = "";
    public string Body { get; set; } = "";
    public List<Tag> Tags { get; } = [];
}

public sealed class Tag
{
    public int Id { get; set; }
    public string Name { get; set; } = "";
    public List<Post> Posts { get; } = [];
}

public sealed class BloggingContext(DbContextOptions<BloggingContext> options) : DbContext(options)
{
    public const string HistoryTable = "ef_migrations_history";

    public DbSet<Blog> Blogs => Set<Blog>();
    public DbSet<Post> Posts => Set<Post>();
    public DbSet<Tag> Tags => Set<Tag>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<Blog>(blog =>
        {
            blog.ToTable("ef_blogs");
            blog.Property(entity => entity.Id).UseIdentityByDefaultColumn();
            blog.HasIndex(entity => entity.Url).IsUnique();
            blog.Property(entity => entity.Rating).HasConversion(rating => rating.Stars, stars => new Rating(stars));
        });
        model.Entity<Post>(post =>
        {
            post.ToTable("ef_posts");
            post.Property(entity => entity.Id).UseIdentityByDefaultColumn();
            post.HasOne(entity => entity.Blog).WithMany(blog => blog.Posts).HasForeignKey(entity => entity.BlogId);
        });
        model.Entity<Tag>(tag =>
        {
            tag.ToTable("ef_tags");
            tag.Property(entity => entity.Id).UseIdentityByDefaultColumn();
            tag.HasIndex(entity => entity.Name).IsUnique();
            tag.HasMany(entity => entity.Posts).WithMany(post => post.Tags).UsingEntity("ef_post_tags");
        });
    }
}

/// <summary>The schema as `dotnet ef migrations add` writes it for the model above.</summary>
[DbContext(typeof(BloggingContext))]
[Migration(Id)]
public sealed class InitialMigration : Migration
{
    public const string Id = "20260101000000_Initial";

    private const string Strategy = "Npgsql:ValueGenerationStrategy";

    protected override void Up(MigrationBuilder migration)
    {
        migration.CreateTable("ef_blogs", table => new
            {
                Id = table.Column<int>("integer", nullable: false).Annotation(Strategy, NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                Name = table.Column<string>("text", nullable: false),
                Url = table.Column<string>("text", nullable: false),
                Rating = table.Column<int>("integer", nullable: false),
                Visits = table.Column<int>("integer", nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_ef_blogs", blog => blog.Id));
        migration.CreateTable("ef_tags", table => new
            {
                Id = table.Column<int>("integer", nullable: false).Annotation(Strategy, NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                Name = table.Column<string>("text", nullable: false),
            },
            constraints: table => table.PrimaryKey("PK_ef_tags", tag => tag.Id));
        migration.CreateTable("ef_posts", table => new
            {
                Id = table.Column<int>("integer", nullable: false).Annotation(Strategy, NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                BlogId = table.Column<int>("integer", nullable: false),
                Title = table.Column<string>("text", nullable: false),
                Body = table.Column<string>("text", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ef_posts", post => post.Id);
                table.ForeignKey("FK_ef_posts_ef_blogs_BlogId", post => post.BlogId, "ef_blogs", "Id", onDelete: ReferentialAction.Cascade);
            });
        migration.CreateTable("ef_post_tags", table => new
            {
                PostsId = table.Column<int>("integer", nullable: false),
                TagsId = table.Column<int>("integer", nullable: false),
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ef_post_tags", link => new { link.PostsId, link.TagsId });
                table.ForeignKey("FK_ef_post_tags_ef_posts_PostsId", link => link.PostsId, "ef_posts", "Id", onDelete: ReferentialAction.Cascade);
                table.ForeignKey("FK_ef_post_tags_ef_tags_TagsId", link => link.TagsId, "ef_tags", "Id", onDelete: ReferentialAction.Cascade);
            });
        migration.CreateIndex("IX_ef_blogs_Url", "ef_blogs", "Url", unique: true);
        migration.CreateIndex("IX_ef_tags_Name", "ef_tags", "Name", unique: true);
        migration.CreateIndex("IX_ef_posts_BlogId", "ef_posts", "BlogId");
        migration.CreateIndex("IX_ef_post_tags_TagsId", "ef_post_tags", "TagsId");
    }

    protected override void Down(MigrationBuilder migration)
    {
        migration.DropTable("ef_post_tags");
        migration.DropTable("ef_posts");
        migration.DropTable("ef_tags");
        migration.DropTable("ef_blogs");
    }
}
