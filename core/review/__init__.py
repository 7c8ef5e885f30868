"""Review (智能审单): the rules as data, the facts they read, and the exception queue that holds and
releases matched orders."""
