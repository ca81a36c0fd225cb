/* The plugin loads and every element it registers carries full metadata,
 * and every property a blurb and a default that lies inside its range.
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <gst/check/gstcheck.h>

/* Elements the plugin must provide; grows as elements land. */
static const gchar *expected_elements[] = {
  "openaistt",
  "sandravad",
  "sandraaec",
  "sandraechoprobe",
  "elevenlabstts",
  "openairealtime",
  NULL
};

static GstPlugin *
load_sandra (void)
{
  GstPlugin *plugin = gst_registry_find_plugin (gst_registry_get (), "sandra");

  fail_unless (plugin != NULL, "plugin 'sandra' not found; is "
      "GST_PLUGIN_PATH_1_0 pointing at the build directory?");
  return plugin;
}

GST_START_TEST (test_plugin_metadata)
{
  GstPlugin *plugin = load_sandra ();

  fail_unless_equals_string (gst_plugin_get_license (plugin), "LGPL");
  fail_unless (gst_plugin_get_description (plugin) != NULL);
  gst_object_unref (plugin);
}
GST_END_TEST;

/* Properties inherited from GStreamer's own base classes are theirs to
 * document; only the plugin's own are checked. */
static gboolean
is_gstreamer_base_type (GType type)
{
  static const gchar *bases[] = { "GstObject", "GstElement", "GstBin",
    "GstBaseTransform", "GstAudioFilter", "GstBaseSrc", "GstBaseSink",
    "GstAggregator", "GstAudioAggregator", NULL
  };
  const gchar **b;

  for (b = bases; *b; b++)
    if (g_strcmp0 (g_type_name (type), *b) == 0)
      return TRUE;
  return FALSE;
}

static void
check_property (GstElement * element, GParamSpec * pspec)
{
  const gchar *blurb = g_param_spec_get_blurb (pspec);
  GValue value = G_VALUE_INIT;

  fail_unless (blurb != NULL && strlen (blurb) > 10,
      "%s::%s has no useful blurb", GST_ELEMENT_NAME (element), pspec->name);
  /* The default must be a valid value of its own spec. */
  g_value_init (&value, pspec->value_type);
  g_param_value_set_default (pspec, &value);
  fail_if (g_param_value_validate (pspec, &value),
      "%s::%s default is outside its range", GST_ELEMENT_NAME (element),
      pspec->name);
  g_value_unset (&value);
  if (G_IS_PARAM_SPEC_ENUM (pspec))
    fail_unless (G_TYPE_FUNDAMENTAL (pspec->value_type) == G_TYPE_ENUM);
}

GST_START_TEST (test_elements_metadata)
{
  const gchar **name;

  for (name = expected_elements; *name; name++) {
    GstElementFactory *f = gst_element_factory_find (*name);
    GstElement *e;
    GParamSpec **specs;
    guint n, i;

    fail_unless (f != NULL, "element %s is not registered", *name);
    fail_unless (gst_element_factory_get_metadata (f,
            GST_ELEMENT_METADATA_LONGNAME) != NULL);
    fail_unless (gst_element_factory_get_metadata (f,
            GST_ELEMENT_METADATA_KLASS) != NULL);
    fail_unless (gst_element_factory_get_metadata (f,
            GST_ELEMENT_METADATA_DESCRIPTION) != NULL);
    fail_unless (gst_element_factory_get_metadata (f,
            GST_ELEMENT_METADATA_AUTHOR) != NULL);
    e = gst_element_factory_create (f, NULL);
    fail_unless (e != NULL);
    specs = g_object_class_list_properties (G_OBJECT_GET_CLASS (e), &n);
    for (i = 0; i < n; i++) {
      if (is_gstreamer_base_type (specs[i]->owner_type))
        continue;
      check_property (e, specs[i]);
    }
    g_free (specs);
    gst_object_unref (e);
    gst_object_unref (f);
  }
}
GST_END_TEST;

static Suite *
plugin_suite (void)
{
  Suite *s = suite_create ("sandra-plugin");
  TCase *tc = tcase_create ("general");

  suite_add_tcase (s, tc);
  tcase_add_test (tc, test_plugin_metadata);
  tcase_add_test (tc, test_elements_metadata);
  return s;
}

GST_CHECK_MAIN (plugin);
