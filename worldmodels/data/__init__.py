"""Episodes on disk: RLDS codecs, the shard writer, tf.data readers, and checks that name a
damaged artifact."""
