# SKIP followed by sys.exit() instead of raise SystemExit.
import sys

if not hasattr(sys, 'corpus_feature_never_present'):
    print('SKIP')
    sys.exit()
print('not reached')
