"""The mirakl sandbox: a seeded fake of its seller API, built on `mktcrm.sandbox.base`."""
