"""Follow mode: newsbeam's feeds polled live on one machine, new items written in cycles."""
