using Microsoft.EntityFrameworkCore;
using Stories.Data;
using Stories.Data.Entities;
using Stories.Data.Storage;

namespace Stories.Api.Features.Stories;

/// <summary>
/// Turns an already visibility-filtered, ordered and paged query of stories into responses, with a
/// fixed number of SQL statements whatever the page size: one for the stories (author, the
/// caller's own view counts and <c>viewed_by_me</c> as subqueries), one for the reaction counts of
/// the caller's own stories on the page. Media URLs are presigned here, offline, and only for rows
/// the visibility-filtered query returned — which is what keeps them from callers who may not see
/// the story.
/// </summary>
public sealed class StoryReader(StoriesDbContext db, MediaStorage storage)
{
    public sealed record Row(
        Guid Id, Guid AuthorId, string Handle, string? Text, string? MediaKey, StoryVisibility Visibility,
        DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, int? ViewCount, bool ViewedByMe);

    public static IQueryable<Row> Project(IQueryable<Story> stories, Guid callerId) =>
        stories.Select(story => new Row(
            story.Id,
            story.AuthorId,
            story.Author!.Handle,
            story.Text,
            story.MediaKey,
            story.Visibility,
            story.CreatedAt,
            story.ExpiresAt,
            story.AuthorId == callerId ? story.Views.Count : null,
            story.Views.Any(view => view.ViewerId == callerId)));

    public async Task<StoryResponse?> GetAsync(Guid storyId, Guid callerId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = await Project(db.Stories.VisibleTo(db, callerId, now).Where(story => story.Id == storyId), callerId)
            .AsNoTracking()
            .ToListAsync(cancellationToken);
        return rows.Count == 0 ? null : (await ToResponsesAsync(rows, callerId, cancellationToken))[0];
    }

    public async Task<IReadOnlyList<StoryResponse>> ToResponsesAsync(IReadOnlyList<Row> rows, Guid callerId, CancellationToken cancellationToken)
    {
        var ownIds = rows.Where(row => row.AuthorId == callerId).Select(row => row.Id).ToList();
        var counts = ownIds.Count == 0
            ? []
            : await db.Reactions.AsNoTracking()
                .Where(reaction => ownIds.Contains(reaction.StoryId))
                .GroupBy(reaction => new { reaction.StoryId, reaction.Emoji })
                .Select(group => new { group.Key.StoryId, group.Key.Emoji, Count = group.Count() })
                .ToListAsync(cancellationToken);
        var countsByStory = counts.ToLookup(count => count.StoryId);

        return [.. rows.Select(row => new StoryResponse(
            row.Id,
            new AuthorSummary(row.AuthorId, row.Handle),
            row.Text,
            row.MediaKey,
            row.MediaKey is { } mediaKey ? storage.PresignDownload(mediaKey) : null,
            StoryVisibilityNames.ToName(row.Visibility),
            row.CreatedAt,
            row.ExpiresAt,
            row.ViewCount,
            row.AuthorId == callerId ? countsByStory[row.Id].ToDictionary(count => count.Emoji, count => count.Count) : null,
            row.ViewedByMe))];
    }
}
