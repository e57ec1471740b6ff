-- The schema as the five hand-written migrations left it (InitialSchema … Blocks, removed when the EF
-- baseline replaced them): `pg_dump --schema-only --no-owner --no-privileges` of a database they
-- migrated, at commit 3da9230, with its history rows. SchemaBaselineTests build a database from this
-- file to prove that the baseline creates the same schema and adopts such a database unchanged.

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

CREATE TABLE public."__EFMigrationsHistory" (
    "MigrationId" character varying(150) NOT NULL,
    "ProductVersion" character varying(32) NOT NULL
);

CREATE TABLE public.blocks (
    blocker_id uuid NOT NULL,
    blocked_id uuid NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT blocks_check CHECK ((blocker_id <> blocked_id))
);

CREATE TABLE public.follows (
    follower_id uuid NOT NULL,
    followee_id uuid NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT follows_check CHECK ((follower_id <> followee_id))
);

CREATE TABLE public.idempotency_keys (
    user_id uuid NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    status_code integer NOT NULL,
    response_body text NOT NULL,
    location text,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT idempotency_keys_key_check CHECK (((length(key) >= 1) AND (length(key) <= 255)))
);

CREATE TABLE public.reactions (
    id uuid NOT NULL,
    story_id uuid NOT NULL,
    user_id uuid NOT NULL,
    emoji text NOT NULL,
    created_at timestamp with time zone NOT NULL
);

CREATE TABLE public.stories (
    id uuid NOT NULL,
    author_id uuid NOT NULL,
    text text,
    media_key text,
    visibility text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    deleted_at timestamp with time zone,
    search_vector tsvector GENERATED ALWAYS AS (to_tsvector('english'::regconfig, COALESCE(text, ''::text))) STORED,
    has_audience boolean DEFAULT false NOT NULL,
    CONSTRAINT stories_check CHECK (((text IS NOT NULL) OR (media_key IS NOT NULL))),
    CONSTRAINT stories_check1 CHECK ((expires_at > created_at)),
    CONSTRAINT stories_visibility_check CHECK ((visibility = ANY (ARRAY['public'::text, 'friends'::text, 'private'::text])))
);

CREATE TABLE public.story_audience (
    story_id uuid NOT NULL,
    user_id uuid NOT NULL
);

CREATE TABLE public.story_views (
    story_id uuid NOT NULL,
    viewer_id uuid NOT NULL,
    viewed_at timestamp with time zone NOT NULL
);

CREATE TABLE public.users (
    id uuid NOT NULL,
    email text NOT NULL,
    password_hash text NOT NULL,
    handle text NOT NULL,
    created_at timestamp with time zone NOT NULL,
    CONSTRAINT users_email_check CHECK ((email = lower(email))),
    CONSTRAINT users_handle_check CHECK ((handle ~ '^[a-z0-9_]{3,30}$'::text))
);

ALTER TABLE ONLY public."__EFMigrationsHistory"
    ADD CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY ("MigrationId");

ALTER TABLE ONLY public.blocks
    ADD CONSTRAINT blocks_pkey PRIMARY KEY (blocker_id, blocked_id);

ALTER TABLE ONLY public.follows
    ADD CONSTRAINT follows_pkey PRIMARY KEY (follower_id, followee_id);

ALTER TABLE ONLY public.idempotency_keys
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (user_id, key);

ALTER TABLE ONLY public.reactions
    ADD CONSTRAINT reactions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.stories
    ADD CONSTRAINT stories_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.story_audience
    ADD CONSTRAINT story_audience_pkey PRIMARY KEY (story_id, user_id);

ALTER TABLE ONLY public.story_views
    ADD CONSTRAINT story_views_pkey PRIMARY KEY (story_id, viewer_id);

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_email_key UNIQUE (email);

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_handle_key UNIQUE (handle);

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

CREATE INDEX ix_blocks_blocked_id ON public.blocks USING btree (blocked_id);

CREATE INDEX ix_follows_followee_id ON public.follows USING btree (followee_id);

CREATE INDEX ix_idempotency_keys_created_at ON public.idempotency_keys USING btree (created_at);

CREATE INDEX ix_reactions_story_id ON public.reactions USING btree (story_id);

CREATE INDEX ix_reactions_user_id ON public.reactions USING btree (user_id);

CREATE INDEX ix_stories_active_created_at ON public.stories USING btree (created_at DESC, id DESC) WHERE (deleted_at IS NULL);

CREATE INDEX ix_stories_author_id_created_at ON public.stories USING btree (author_id, created_at DESC);

CREATE INDEX ix_stories_deleted_at ON public.stories USING btree (deleted_at) WHERE (deleted_at IS NOT NULL);

CREATE INDEX ix_stories_due ON public.stories USING btree (expires_at) WHERE (deleted_at IS NULL);

CREATE INDEX ix_stories_media_key ON public.stories USING btree (media_key) WHERE (media_key IS NOT NULL);

CREATE INDEX ix_stories_search_vector_active ON public.stories USING gin (search_vector) WHERE (deleted_at IS NULL);

CREATE INDEX ix_story_audience_user_id ON public.story_audience USING btree (user_id);

CREATE INDEX ix_story_views_story_id_viewed_at ON public.story_views USING btree (story_id, viewed_at DESC, viewer_id);

CREATE INDEX ix_story_views_viewer_id ON public.story_views USING btree (viewer_id);

ALTER TABLE ONLY public.blocks
    ADD CONSTRAINT blocks_blocked_id_fkey FOREIGN KEY (blocked_id) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.blocks
    ADD CONSTRAINT blocks_blocker_id_fkey FOREIGN KEY (blocker_id) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.follows
    ADD CONSTRAINT follows_followee_id_fkey FOREIGN KEY (followee_id) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.follows
    ADD CONSTRAINT follows_follower_id_fkey FOREIGN KEY (follower_id) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.idempotency_keys
    ADD CONSTRAINT idempotency_keys_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.reactions
    ADD CONSTRAINT reactions_story_id_fkey FOREIGN KEY (story_id) REFERENCES public.stories(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.reactions
    ADD CONSTRAINT reactions_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.stories
    ADD CONSTRAINT stories_author_id_fkey FOREIGN KEY (author_id) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.story_audience
    ADD CONSTRAINT story_audience_story_id_fkey FOREIGN KEY (story_id) REFERENCES public.stories(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.story_audience
    ADD CONSTRAINT story_audience_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.story_views
    ADD CONSTRAINT story_views_story_id_fkey FOREIGN KEY (story_id) REFERENCES public.stories(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.story_views
    ADD CONSTRAINT story_views_viewer_id_fkey FOREIGN KEY (viewer_id) REFERENCES public.users(id) ON DELETE CASCADE;

INSERT INTO public."__EFMigrationsHistory" ("MigrationId", "ProductVersion") VALUES
    ('20261122000000_InitialSchema', '10.0.15'),
    ('20261123000000_RetentionIndexes', '10.0.15'),
    ('20261124000000_ActiveStoryLookups', '10.0.15'),
    ('20261125000000_DueStoriesIndex', '10.0.15'),
    ('20261203000000_Blocks', '10.0.15');
