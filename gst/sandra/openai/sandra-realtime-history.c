/* gst-sandra: the conversation so far, as text, for replay
 * Copyright (C) 2026 gst-sandra contributors
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "sandra-realtime-history.h"

#include <json-glib/json-glib.h>
#include <string.h>

typedef enum
{
  ENTRY_MESSAGE,
  ENTRY_FUNCTION_CALL,
  ENTRY_FUNCTION_OUTPUT,
} EntryKind;

typedef struct
{
  gchar *item_id;
  EntryKind kind;
  SandraRealtimeRole role;
  GString *text;                /* message text, or call output */
  gboolean truncated;           /* text is final: what the user heard */
  gchar *call_id;               /* function call and output */
  gchar *name;                  /* function call */
  gchar *arguments;             /* function call */
} Entry;

struct _SandraRealtimeHistory
{
  GQueue entries;               /* of Entry, oldest first */
  GHashTable *by_id;            /* item_id -> GList link in entries */
  guint max_entries;
};

static void
entry_free (Entry * e)
{
  g_free (e->item_id);
  g_string_free (e->text, TRUE);
  g_free (e->call_id);
  g_free (e->name);
  g_free (e->arguments);
  g_free (e);
}

SandraRealtimeHistory *
sandra_realtime_history_new (guint max_entries)
{
  SandraRealtimeHistory *h = g_new0 (SandraRealtimeHistory, 1);

  g_queue_init (&h->entries);
  h->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  h->max_entries = MAX (max_entries, 1);
  return h;
}

void
sandra_realtime_history_clear (SandraRealtimeHistory * history)
{
  g_hash_table_remove_all (history->by_id);
  g_queue_clear_full (&history->entries, (GDestroyNotify) entry_free);
}

void
sandra_realtime_history_free (SandraRealtimeHistory * history)
{
  if (history == NULL)
    return;
  sandra_realtime_history_clear (history);
  g_hash_table_unref (history->by_id);
  g_free (history);
}

static Entry *
lookup (SandraRealtimeHistory * h, const gchar * item_id)
{
  GList *link;

  if (item_id == NULL)
    return NULL;
  link = g_hash_table_lookup (h->by_id, item_id);
  return link ? link->data : NULL;
}

static void
remove_link (SandraRealtimeHistory * h, GList * link)
{
  Entry *e = link->data;

  if (e->item_id)
    g_hash_table_remove (h->by_id, e->item_id);
  g_queue_delete_link (&h->entries, link);
  entry_free (e);
}

/* A new entry at the end, or NULL if @item_id is known. */
static Entry *
append (SandraRealtimeHistory * history, const gchar * item_id,
    EntryKind kind, const gchar * text)
{
  Entry *e;

  if (lookup (history, item_id))
    return NULL;
  e = g_new0 (Entry, 1);
  e->item_id = g_strdup (item_id);
  e->kind = kind;
  e->text = g_string_new (text);
  g_queue_push_tail (&history->entries, e);
  if (e->item_id)
    g_hash_table_insert (history->by_id, e->item_id, history->entries.tail);
  return e;
}

static void
trim (SandraRealtimeHistory * history)
{
  while (history->entries.length > history->max_entries)
    remove_link (history, history->entries.head);
}

void
sandra_realtime_history_add (SandraRealtimeHistory * history,
    const gchar * item_id, SandraRealtimeRole role, const gchar * text)
{
  Entry *e = append (history, item_id, ENTRY_MESSAGE, text);

  if (e)
    e->role = role;
  trim (history);
}

void
sandra_realtime_history_add_function_call (SandraRealtimeHistory * history,
    const gchar * item_id, const gchar * call_id, const gchar * name,
    const gchar * arguments)
{
  Entry *e;

  g_return_if_fail (call_id != NULL && name != NULL);
  e = append (history, item_id, ENTRY_FUNCTION_CALL, NULL);
  if (e) {
    e->role = SANDRA_REALTIME_ROLE_ASSISTANT;
    e->call_id = g_strdup (call_id);
    e->name = g_strdup (name);
    e->arguments = g_strdup (arguments ? arguments : "{}");
  }
  trim (history);
}

void
sandra_realtime_history_add_function_output (SandraRealtimeHistory *
    history, const gchar * item_id, const gchar * call_id, const gchar * output)
{
  Entry *e;

  g_return_if_fail (call_id != NULL);
  e = append (history, item_id, ENTRY_FUNCTION_OUTPUT, output);
  if (e) {
    e->role = SANDRA_REALTIME_ROLE_USER;
    e->call_id = g_strdup (call_id);
  }
  trim (history);
}

gboolean
sandra_realtime_history_set_text (SandraRealtimeHistory * history,
    const gchar * item_id, const gchar * text)
{
  Entry *e = lookup (history, item_id);

  if (e == NULL || e->kind != ENTRY_MESSAGE)
    return FALSE;
  if (!e->truncated)
    g_string_assign (e->text, text ? text : "");
  return TRUE;
}

gboolean
sandra_realtime_history_append_text (SandraRealtimeHistory * history,
    const gchar * item_id, const gchar * delta)
{
  Entry *e = lookup (history, item_id);

  if (e == NULL || e->kind != ENTRY_MESSAGE)
    return FALSE;
  if (!e->truncated && delta)
    g_string_append (e->text, delta);
  return TRUE;
}

void
sandra_realtime_history_truncate (SandraRealtimeHistory * history,
    const gchar * item_id, guint64 heard_ms, guint64 total_ms)
{
  Entry *e = lookup (history, item_id);
  glong chars, keep;
  const gchar *cut;

  if (e == NULL || e->kind != ENTRY_MESSAGE || e->truncated)
    return;
  e->truncated = TRUE;
  if (total_ms == 0 || heard_ms >= total_ms)
    return;
  /* Speech runs at a roughly even rate of characters, so the heard share
   * of the audio is about the same share of the transcript. Cutting back
   * to the last whole word avoids putting half words in the model's mouth. */
  chars = g_utf8_strlen (e->text->str, -1);
  keep = (glong) ((gdouble) chars * heard_ms / total_ms);
  cut = g_utf8_offset_to_pointer (e->text->str, keep);
  if (*cut != '\0' && *cut != ' ') {
    while (cut > e->text->str && cut[-1] != ' ')
      cut--;
  }
  while (cut > e->text->str && cut[-1] == ' ')
    cut--;
  g_string_truncate (e->text, cut - e->text->str);
}

void
sandra_realtime_history_remove (SandraRealtimeHistory * history,
    const gchar * item_id)
{
  GList *link;

  if (item_id == NULL)
    return;
  link = g_hash_table_lookup (history->by_id, item_id);
  if (link)
    remove_link (history, link);
}

guint
sandra_realtime_history_length (SandraRealtimeHistory * history)
{
  return history->entries.length;
}

const gchar *
sandra_realtime_history_get_text (SandraRealtimeHistory * history,
    const gchar * item_id)
{
  Entry *e = lookup (history, item_id);

  return e ? e->text->str : NULL;
}

/* Item ids may be chosen by the client, up to this length. */
#define MAX_CLIENT_ITEM_ID 32

/* The replayed item keeps its id: the new session's echo of it
 * (conversation.item.created / added) is then known, and not kept a
 * second time, to be replayed twice at the next reconnection. */
static void
add_item_id (JsonBuilder * b, const Entry * e)
{
  if (e->item_id == NULL || strlen (e->item_id) > MAX_CLIENT_ITEM_ID)
    return;
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, e->item_id);
}

/* A function call or its result: the same shape in both interfaces. */
static void
add_function_members (JsonBuilder * b, const Entry * e)
{
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, e->kind == ENTRY_FUNCTION_CALL ?
      "function_call" : "function_call_output");
  json_builder_set_member_name (b, "call_id");
  json_builder_add_string_value (b, e->call_id);
  if (e->kind == ENTRY_FUNCTION_CALL) {
    json_builder_set_member_name (b, "name");
    json_builder_add_string_value (b, e->name);
    json_builder_set_member_name (b, "arguments");
    json_builder_add_string_value (b, e->arguments);
  } else {
    json_builder_set_member_name (b, "output");
    json_builder_add_string_value (b, e->text->str);
  }
}

static void
add_message_members (JsonBuilder * b, const Entry * e, SandraRealtimeApi api)
{
  const gchar *part_type;

  if (e->role == SANDRA_REALTIME_ROLE_USER)
    part_type = "input_text";
  else
    part_type = api == SANDRA_REALTIME_API_GA ? "output_text" : "text";

  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "message");
  json_builder_set_member_name (b, "role");
  json_builder_add_string_value (b,
      e->role == SANDRA_REALTIME_ROLE_USER ? "user" : "assistant");
  json_builder_set_member_name (b, "content");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, part_type);
  json_builder_set_member_name (b, "text");
  json_builder_add_string_value (b, e->text->str);
  json_builder_end_object (b);
  json_builder_end_array (b);
}

static gchar *
build_item_create (const Entry * e, SandraRealtimeApi api)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "conversation.item.create");
  json_builder_set_member_name (b, "item");
  json_builder_begin_object (b);
  add_item_id (b, e);
  if (e->kind == ENTRY_MESSAGE)
    add_message_members (b, e, api);
  else
    add_function_members (b, e);
  json_builder_end_object (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

GPtrArray *
sandra_realtime_history_build_replay (SandraRealtimeHistory * history,
    SandraRealtimeApi api)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  GHashTable *calls = g_hash_table_new (g_str_hash, g_str_equal);
  GList *l;

  for (l = history->entries.head; l; l = l->next) {
    const Entry *e = l->data;

    switch (e->kind) {
      case ENTRY_FUNCTION_CALL:
        g_hash_table_add (calls, e->call_id);
        g_ptr_array_add (out, build_item_create (e, api));
        break;
      case ENTRY_FUNCTION_OUTPUT:
        if (g_hash_table_contains (calls, e->call_id))
          g_ptr_array_add (out, build_item_create (e, api));
        break;
      default:
        if (e->text->len > 0)
          g_ptr_array_add (out, build_item_create (e, api));
        break;
    }
  }
  g_hash_table_unref (calls);
  return out;
}
