// NaveStore: first code arrives with issue #5.
