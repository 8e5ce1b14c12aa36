def synth():
    raise NotImplementedError
