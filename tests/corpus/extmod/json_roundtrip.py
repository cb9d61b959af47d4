try:
    import json
except ImportError:
    print('SKIP')
    raise SystemExit

data = [1, 'two', None, True, [3.5], {'k': [1, 2]}]
s = json.dumps(data)
print(s)
print(json.loads(s) == data)
print(json.loads('{"a": [1, {"b": null}], "c": "\\u0041"}'))
