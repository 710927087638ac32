"""Records of a split: distinct records chosen by a seed."""

import numpy as np

from aegan.data.records import ArrayRecords, read_random


def test_read_random_reads_distinct_records_in_order_fixed_by_the_seed():
  records = ArrayRecords(np.arange(50, dtype=np.uint8).reshape(50, 1, 1, 1),
                         np.arange(50, dtype=np.int32))
  images, labels = read_random(records, 10, seed=3)
  assert len(np.unique(labels)) == 10 and np.all(np.diff(labels) > 0)
  np.testing.assert_array_equal(images[:, 0, 0, 0], labels)
  np.testing.assert_array_equal(read_random(records, 10, seed=3)[1], labels)
  assert not np.array_equal(read_random(records, 10, seed=4)[1], labels)
  np.testing.assert_array_equal(read_random(records, 80, seed=3)[1], np.arange(50))  # All of them.
