// NaveServiceAPI: first code arrives with issue #5.
